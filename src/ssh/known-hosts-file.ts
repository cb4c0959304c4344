// The known_hosts files as ssh reads and appends them; the verdicts are known-hosts.ts's (pure) and the
// policy host-key.ts's.
import fs from 'node:fs/promises';
import path from 'node:path';
import { blobKeyType, type KnownHostsEntry, knownHostsLine, parseKnownHosts } from './known-hosts.js';
import type { SshTarget } from './types.js';

export interface LoadedHosts {
  entries: KnownHostsEntry[];
  warnings: string[];
}

export async function loadKnownHosts(files: readonly string[]): Promise<LoadedHosts> {
  const loaded: LoadedHosts = { entries: [], warnings: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A missing file is normal (OpenSSH lists known_hosts2 and the global files by default).
      if (code !== 'ENOENT' && code !== 'ENOTDIR') loaded.warnings.push(`cannot read ${file}: ${code}`);
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    loaded.entries.push(...parsed.entries);
    loaded.warnings.push(...parsed.warnings);
  }
  return loaded;
}

/**
 * Appends like ssh does: first UserKnownHostsFile, directory 0700, file 0600. Several names (host and
 * IP under CheckHostIP) share one `host,ip` line, or get one hashed line each (sshconnect.c).
 */
export async function appendKnownHost(
  target: SshTarget,
  key: Buffer,
  names: readonly string[],
): Promise<string> {
  const file = target.userKnownHostsFiles[0];
  if (!file) throw new Error('no UserKnownHostsFile is configured');
  const keyType = blobKeyType(key) ?? 'unknown';
  const hashed = target.hashKnownHosts;
  const hosts = hashed ? names : [names.join(',')];
  const lines = hosts.map((host) => knownHostsLine(host, { keyType, keyBlob: key, hashed })).join('\n');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await fs.open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    // Never glue our line onto a last line that lacks its newline.
    const previous = size > 0 ? Buffer.alloc(1) : undefined;
    if (previous) await handle.read(previous, 0, 1, size - 1);
    await handle.appendFile(`${previous && previous[0] !== 0x0a ? '\n' : ''}${lines}\n`);
  } finally {
    await handle.close();
  }
  return file;
}
