// Durable file replacement for every file tunnel writes (kubeconfig, session records): temp file in the
// same directory, fsync, rename, fsync of the directory; always mode 0600, because they may hold a
// client key or say which ports reach a cluster. A reader never sees a half-written file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** The file operations used here; tests inject failures (a full disk) through them. */
export type FileOps = Pick<typeof fs, 'open' | 'rename' | 'link' | 'rm' | 'mkdir' | 'lstat'>;

/**
 * One backup of the user's own file, taken before tunnel's first change and never overwritten. Written
 * like every other file (temp + fsync) and then hard-linked into place, which fails if a backup exists:
 * a failure (a full disk) leaves no backup at all, so the next change tries again, never a truncated one.
 */
export async function backupOnce(
  target: string,
  original: Buffer,
  ops: FileOps = fs,
): Promise<string | undefined> {
  const backup = `${target}.tunnel-backup`;
  // The usual case after the first change: no copy of the whole file (on a nearly full disk that
  // copy alone would fail the write). A backup appearing after this check is still never replaced.
  if (await exists(backup, ops)) return undefined;
  const temp = await writeTemp(target, original, ops);
  try {
    await placeOnce(temp, backup, ops);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    await ops.rm(temp, { force: true });
  }
  await syncDirectory(path.dirname(target));
  return backup;
}

// link() refuses to replace; a filesystem without hard links gets a check then a rename instead.
async function placeOnce(temp: string, backup: string, ops: FileOps): Promise<void> {
  try {
    await ops.link(temp, backup);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (await exists(backup, ops)) throw Object.assign(new Error('backup exists'), { code: 'EEXIST' });
    await ops.rename(temp, backup);
  }
}

function exists(file: string, ops: FileOps): Promise<boolean> {
  return ops.lstat(file).then(
    () => true,
    () => false,
  );
}

export async function atomicWrite(target: string, text: string, ops: FileOps = fs): Promise<void> {
  const dir = path.dirname(target);
  await ops.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = await writeTemp(target, text, ops);
  try {
    await ops.rename(temp, target);
  } catch (error) {
    await ops.rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** A fully written and synced 0600 temp file next to `target`; removed again if anything fails. */
async function writeTemp(target: string, data: string | Buffer, ops: FileOps): Promise<string> {
  const temp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await ops.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600); // exactly 0600 whatever the umask
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await ops.rm(temp, { force: true });
    throw error;
  }
  return temp;
}

// Makes the rename itself durable; some filesystems refuse fsync on a directory, which is fine.
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}
