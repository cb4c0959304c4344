// Who listens on the control socket, checked by the CLI after connect and before it sends a byte.
// Node has no SO_PEERCRED (Linux) or getpeereid (macOS), and we add no native addon, so on Linux we
// read /proc: /proc/net/unix names the listening socket(s) bound to our path (by socket inode), and a
// process of ours must hold one of them among its fds (/proc/<pid>/fd links read "socket:[inode]").
// Another user's process is invisible to that scan (its fds are not ours to read; as root we skip
// processes of other uids), so a foreign listener is refused. On macOS there is no /proc: the
// ownership and mode checks of socket-dir.ts and checkSocketFile are what stands (docs/security.md).
import fs from 'node:fs';
import path from 'node:path';
import { TunnelError } from '../errors.js';
import { checkPrivateDir, currentUid, describeOwner } from './socket-dir.js';

/** The slice of the file system the peer check reads; injected by unit tests. */
export interface ProcReader {
  readFile(file: string): string;
  readdir(dir: string): string[];
  readlink(file: string): string;
  ownerUid(file: string): number;
}

const realProc: ProcReader = {
  readFile: (file) => fs.readFileSync(file, 'utf8'),
  readdir: (dir) => fs.readdirSync(dir),
  readlink: (file) => fs.readlinkSync(file),
  ownerUid: (file) => fs.statSync(file).uid,
};

// "Num RefCount Protocol Flags Type St Inode Path": the path is the rest of the line (it may hold spaces).
const UNIX_LINE =
  /^\s*[0-9a-f]+:\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+(\d+)\s(.*)$/i;
const ACCEPTCON = 0x10000; // __SO_ACCEPTCON: the socket is listening.

/** Socket inodes of the listening sockets bound to `socketPath`, from /proc/net/unix text. */
export function listeningInodes(procNetUnix: string, socketPath: string): Set<string> {
  const inodes = new Set<string>();
  for (const line of procNetUnix.split('\n')) {
    const match = UNIX_LINE.exec(line);
    if (!match) continue;
    const [, flags = '0', inode = '', bound] = match;
    if ((Number.parseInt(flags, 16) & ACCEPTCON) !== 0 && bound === socketPath) inodes.add(inode);
  }
  return inodes;
}

function holdsAny(proc: ProcReader, pid: string, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = proc.readdir(`/proc/${pid}/fd`);
  } catch {
    return false; // Exited meanwhile, or not ours to read.
  }
  for (const fd of fds) {
    try {
      const target = proc.readlink(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

function ownedBy(proc: ProcReader, pid: string, uid: number): boolean {
  try {
    return proc.ownerUid(`/proc/${pid}`) === uid;
  } catch {
    return false;
  }
}

export interface PeerCheckOptions {
  uid: number;
  /** Where to look first (the agent lock's pid); every process of ours is scanned after it. */
  agentPid?: number;
  proc?: ProcReader;
}

/** The pid of our process that listens on `socketPath`; a TunnelError when none of ours does. */
export function findOwnListener(socketPath: string, options: PeerCheckOptions): number | 'unverifiable' {
  const proc = options.proc ?? realProc;
  let table: string;
  try {
    table = proc.readFile('/proc/net/unix');
  } catch {
    return 'unverifiable'; // No /proc (or hidden): the file-system checks stand alone.
  }
  // A table with no socket at all (WSL 1 fills none in) cannot tell us anything either. One that lists
  // others but not ours is a refusal: an impostor in another network namespace looks just like that.
  if (!table.split('\n').some((line) => UNIX_LINE.test(line))) return 'unverifiable';
  const inodes = listeningInodes(table, socketPath);
  if (inodes.size > 0) {
    const first = options.agentPid === undefined ? [] : [String(options.agentPid)];
    const rest = proc.readdir('/proc').filter((entry) => /^\d+$/.test(entry));
    for (const pid of [...first, ...rest]) {
      if (ownedBy(proc, pid, options.uid) && holdsAny(proc, pid, inodes)) return Number(pid);
    }
  }
  throw new TunnelError('AGENT', `the process listening on ${socketPath} is not one of yours`, {
    hint:
      `Another local user may be posing as the agent; nothing was sent to it. Stop that process ` +
      `(as root), remove ${path.dirname(socketPath)}, or set TUNNEL_HOME to a short directory of your own.`,
  });
}

/**
 * The CLI's checks before it connects: the socket's directory (and those above it) and the socket
 * itself must be ours and writable by nobody else. 'missing' when there is no socket (no agent).
 */
export function checkSocketFile(socketPath: string, uid = currentUid()): 'missing' | 'present' {
  let stats: fs.Stats;
  try {
    checkPrivateDir(path.dirname(socketPath), uid);
    stats = fs.lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  const hint = `Another local user may be posing as the agent; nothing was sent to it. Remove ${socketPath} (as root if needed), then retry.`;
  if (!stats.isSocket()) throw new TunnelError('AGENT', `${socketPath} is not a socket`, { hint });
  if (uid !== undefined && stats.uid !== uid) {
    throw new TunnelError('AGENT', `${socketPath} belongs to ${describeOwner(stats.uid)}, not to you`, {
      hint,
    });
  }
  if ((stats.mode & 0o022) !== 0) {
    throw new TunnelError('AGENT', `${socketPath} is writable by other users`, { hint });
  }
  return 'present';
}

/** After connect, before the first byte: on Linux, the listener must be a process of ours. */
export function checkPeer(socketPath: string, agentPid: number | undefined): void {
  const uid = currentUid();
  if (process.platform !== 'linux' || uid === undefined) return;
  findOwnListener(socketPath, { uid, agentPid });
}
