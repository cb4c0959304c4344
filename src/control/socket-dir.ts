// The directory that holds the control socket: ours alone (0700), because anyone who can reach the
// socket can drive the agent, and anyone who can write the directory can swap the socket for theirs.
import fs from 'node:fs';
import { TunnelError } from '../errors.js';

function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Creates `dir` 0700 if missing; refuses one that is not a real directory we own and only we can write. */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // lstat, not stat: a symlink planted in /tmp could point our socket into someone else's directory.
  const stats = fs.lstatSync(dir);
  const hint = `Remove ${dir} (or set TUNNEL_HOME elsewhere), then retry.`;
  if (!stats.isDirectory()) {
    throw new TunnelError('AGENT', `${dir} is not a directory, so the control socket cannot live there`, {
      hint,
    });
  }
  const uid = currentUid();
  if (uid !== undefined && stats.uid !== uid) {
    throw new TunnelError('AGENT', `${dir} belongs to user ${stats.uid}, not to you`, { hint });
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new TunnelError('AGENT', `${dir} is writable by other users`, { hint });
  }
  // Ours and not writable by others, but perhaps readable (an old umask): tighten instead of refusing.
  if ((stats.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}
