// The agent's single-instance lock: one agent per state directory (TUNNEL_HOME). The lock file holds
// {pid, startedAt, version}; a lock is honoured only while its pid lives AND its control socket
// answers hello, so a crashed or wedged agent never blocks the next one (Nx daemon style).
import fs from 'node:fs';
import path from 'node:path';
import { probeAgent } from '../control/connect.js';
import { TunnelError } from '../errors.js';
import { isAlive } from './process.js';

export interface LockRecord {
  pid: number;
  startedAt: string;
  version: string;
}

export interface AgentLock {
  readonly record: LockRecord;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

export type LockResult =
  | { acquired: true; lock: AgentLock }
  | { acquired: false; holder: LockRecord; agentVersion: string | undefined };

export interface AcquireOptions {
  lockFile: string;
  socketPath: string;
  version: string;
  /** How long a holder whose socket does not answer yet is presumed to be starting up. */
  startupGraceMs?: number;
  /** Injected for tests; defaults to a hello over the control socket. */
  probe?: (socketPath: string) => Promise<{ agentVersion: string } | undefined>;
  now?: () => Date;
}

export function readLockRecord(lockFile: string): LockRecord | undefined {
  try {
    const value: unknown = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, startedAt, version } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof startedAt !== 'string' || typeof version !== 'string')
      return undefined;
    return { pid, startedAt, version };
  } catch {
    return undefined;
  }
}

/** Exclusive create with the whole record in place: write a private temp file, then link it. */
function tryCreate(lockFile: string, record: LockRecord): boolean {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true, mode: 0o700 });
  const temp = `${lockFile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(temp, `${JSON.stringify(record)}\n`, { mode: 0o600 });
  try {
    // Why link and not open('wx'): link is just as exclusive, and a reader can never see a half-written
    // file, so an unreadable lock always means corruption, never "being written right now".
    fs.linkSync(temp, lockFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

type Verdict = { stale: true } | { stale: false; agentVersion: string | undefined };

async function judge(holder: LockRecord | undefined, options: AcquireOptions): Promise<Verdict> {
  // Why: an unreadable record cannot name a live agent (we only ever create complete files).
  if (!holder) return { stale: true };
  // Why: a dead pid cannot be serving; its lock outlived a crash or a kill -9.
  if (!isAlive(holder.pid)) return { stale: true };
  const probe =
    options.probe ??
    ((socketPath: string) => probeAgent(socketPath, options.version, { agentPid: holder.pid }));
  const hello = await probe(options.socketPath);
  // Why: a live pid whose socket answers is the agent; the caller compares versions and may replace it.
  if (hello) return { stale: false, agentVersion: hello.agentVersion };
  const ageMs = (options.now?.() ?? new Date()).getTime() - Date.parse(holder.startedAt);
  // Why: an agent takes the lock before its socket listens, so a young silent holder is starting up.
  if (ageMs >= 0 && ageMs < (options.startupGraceMs ?? 10_000))
    return { stale: false, agentVersion: undefined };
  // Why: an old holder that does not answer is wedged, or its pid was reused by an unrelated process
  // after a reboot. We take over but never kill it: the pid may not be an agent at all.
  return { stale: true };
}

function sameRecord(a: LockRecord | undefined, b: LockRecord | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.startedAt === b.startedAt;
}

/**
 * Moves a stale lock aside, but only if it is still the one we judged: another process may have taken
 * over (and written a fresh lock) between our read and now, and that fresh lock must survive.
 */
function removeStale(lockFile: string, judged: LockRecord | undefined): void {
  const tomb = `${lockFile}.${process.pid}.stale`;
  try {
    fs.renameSync(lockFile, tomb);
  } catch {
    return; // Why: already gone, someone else removed it; the next create attempt decides.
  }
  const moved = readLockRecord(tomb);
  if (moved !== undefined && !sameRecord(moved, judged)) {
    // Why: we moved a fresh, valid lock by mistake; put it back (link fails if yet another one appeared).
    try {
      fs.linkSync(tomb, lockFile);
    } catch {
      // Why: a third process already holds the path; its lock stands and ours is discarded.
    }
  }
  fs.rmSync(tomb, { force: true });
}

function makeLock(lockFile: string, record: LockRecord): AgentLock {
  return {
    record,
    release() {
      // Why: only remove our own lock; a successor may already hold the path after we were judged stale.
      if (sameRecord(readLockRecord(lockFile), record)) fs.rmSync(lockFile, { force: true });
    },
  };
}

/** Takes the lock, or says who holds it. A stale lock (dead pid, silent socket) is taken over. */
export async function acquireAgentLock(options: AcquireOptions): Promise<LockResult> {
  const record: LockRecord = {
    pid: process.pid,
    startedAt: (options.now?.() ?? new Date()).toISOString(),
    version: options.version,
  };
  // Why a bounded loop: each pass either wins, finds a live holder, or removes one stale lock; a few
  // passes cover racing starters without ever spinning forever.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(options.lockFile, record))
      return { acquired: true, lock: makeLock(options.lockFile, record) };
    const holder = readLockRecord(options.lockFile);
    const verdict = await judge(holder, options);
    if (!verdict.stale && holder) return { acquired: false, holder, agentVersion: verdict.agentVersion };
    removeStale(options.lockFile, holder);
  }
  const holder = readLockRecord(options.lockFile);
  if (holder) return { acquired: false, holder, agentVersion: undefined };
  throw new TunnelError('AGENT', `could not take the agent lock ${options.lockFile}`, {
    hint: `Another process keeps replacing it: remove ${options.lockFile} and retry.`,
  });
}
