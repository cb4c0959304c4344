// The directory that holds the control socket: ours alone (0700), because anyone who can reach the
// socket can drive the agent, and anyone who can write the directory (or a directory above it) can
// swap the socket for theirs and read what the CLI sends: the passphrase typed at the terminal.
// The agent checks before it listens, the CLI before it connects (see docs/security.md).
import fs from 'node:fs';
import path from 'node:path';
import { TunnelError } from '../errors.js';
import { pasteWord } from '../shell-word.js';
import { groupWriteIsHarmless } from './user-group.js';

export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** "uid 65534 (nobody)": the name from /etc/passwd when it has one (not on macOS: best effort). */
export function describeOwner(uid: number): string {
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((entry) => entry.split(':')[2] === String(uid));
    const name = line?.split(':')[0];
    return name ? `uid ${uid} (${name})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}

function refuse(dir: string, what: string, ours: boolean): TunnelError {
  const hint = ours
    ? `Others may have put files in it: remove it (rm -rf ${pasteWord(dir, '<dir>')}) and tunnel creates it ` +
      'afresh (0700), or set TUNNEL_HOME to a short directory of your own.'
    : `Another local user may have set it up to pose as the agent. Check it, then remove it as root ` +
      `(sudo rm -rf ${pasteWord(dir, '<dir>')}), or set TUNNEL_HOME to a short directory of your own ` +
      '(the socket then lives in $TUNNEL_HOME/run).';
  return new TunnelError('AGENT', `${what}, so tunnel will not use the control socket in it`, { hint });
}

/** Others may write `stats`: only safe with the sticky bit (as /tmp), where they cannot rename our entry. */
function othersCanSwap(stats: fs.Stats): boolean {
  return (stats.mode & 0o022) !== 0 && (stats.mode & 0o1000) === 0;
}

/**
 * Throws unless every directory above `dir` belongs to root or to us and is not writable by others
 * (sticky ones such as /tmp excepted, and group-writable ones whose group is ours alone): as OpenSSH's
 * StrictModes, resolved with realpath first, since a component someone else controls lets them replace
 * everything below it.
 */
export function checkAncestors(
  dir: string,
  uid: number | undefined,
  harmless: (stats: fs.Stats, uid: number) => boolean = groupWriteIsHarmless,
): void {
  if (uid === undefined) return;
  let current: string;
  try {
    current = fs.realpathSync(path.dirname(dir));
  } catch {
    return; // A missing parent: mkdir creates it (ours) or the socket is simply absent.
  }
  // Never "remove it" here: an ancestor may be the user's home. Say what is wrong and how to leave it.
  const elsewhere =
    'or set TUNNEL_HOME to a short directory of your own (the socket then lives in $TUNNEL_HOME/run).';
  for (;;) {
    const stats = fs.statSync(current);
    if (stats.uid !== 0 && stats.uid !== uid) {
      throw new TunnelError(
        'AGENT',
        `${current} (above ${dir}) belongs to ${describeOwner(stats.uid)}, not to you`,
        {
          hint: `Whoever owns it can replace the control socket below it: ${elsewhere.replace(/^or s/, 'S')}`,
        },
      );
    }
    // A home 0775 under a user-private group (umask 002) is writable by nobody else: as Debian's OpenSSH.
    const groupOnly = (stats.mode & 0o002) === 0;
    if (othersCanSwap(stats) && !(groupOnly && harmless(stats, uid))) {
      throw new TunnelError('AGENT', `${current} (above ${dir}) is writable by other users`, {
        hint: `Others could replace the control socket below it: run chmod go-w ${pasteWord(current, '<dir>')}, ${elsewhere}`,
      });
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

/** Throws unless `dir` is a real directory (not a symlink) we own that nobody else can write. */
export function checkPrivateDir(dir: string, uid = currentUid()): void {
  // lstat, not stat: a symlink planted in /tmp could point our socket into someone else's directory.
  const stats = fs.lstatSync(dir);
  const ours = uid === undefined || stats.uid === uid;
  if (stats.isSymbolicLink()) throw refuse(dir, `${dir} is a symbolic link`, ours);
  if (!stats.isDirectory()) throw refuse(dir, `${dir} is not a directory`, ours);
  if (!ours) throw refuse(dir, `${dir} belongs to ${describeOwner(stats.uid)}, not to you`, false);
  if ((stats.mode & 0o022) !== 0) {
    const mode = (stats.mode & 0o777).toString(8);
    throw refuse(dir, `${dir} is writable by other users (mode ${mode})`, true);
  }
  checkAncestors(dir, uid);
}

/** Creates `dir` 0700 if missing; refuses one that is not a real directory we own and only we can write. */
export function ensurePrivateDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // EEXIST from a dangling symlink in its place: checkPrivateDir names it.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  checkPrivateDir(dir);
  // Ours and not writable by others, but perhaps readable (an old umask): tighten instead of refusing.
  // Never done to a directory of someone else's: checkPrivateDir refused that above.
  if ((fs.lstatSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}
