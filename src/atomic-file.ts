// Durable file replacement for every file tunnel writes (kubeconfig, session records): temp file in the
// same directory, fsync, rename, fsync of the directory; always mode 0600, because they may hold a
// client key or say which ports reach a cluster. A reader never sees a half-written file.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

// One backup of the user's own file, taken before tunnel's first change and never overwritten.
export async function backupOnce(target: string, original: Buffer): Promise<string | undefined> {
  const backup = `${target}.tunnel-backup`;
  try {
    await fs.writeFile(backup, original, { mode: 0o600, flag: 'wx' });
    return backup;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
}

export async function atomicWrite(target: string, text: string): Promise<void> {
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(
    dir,
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const handle = await fs.open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(0o600); // exactly 0600 whatever the umask
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
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
