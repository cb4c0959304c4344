// Records of running background sessions, one JSON file per host under the state directory, so the CLI
// can find (and stop) a session later. Written atomically, 0600; a record whose pid is gone is stale.
import fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../atomic-file.js';
import { tunnelPaths } from '../config/paths.js';
import type { SessionReport } from '../session/session.js';

export interface SessionRecord {
  alias: string;
  pid: number;
  startedAt: string;
  logFile: string;
  report: SessionReport;
}

function recordFile(alias: string): string {
  // encodeURIComponent keeps any alias (user@host:port, unicode) a single safe file name.
  return path.join(tunnelPaths().sessionsDir, `${encodeURIComponent(alias)}.json`);
}

export function sessionLogFile(alias: string): string {
  return path.join(tunnelPaths().logsDir, `${encodeURIComponent(alias)}.log`);
}

export async function writeSessionRecord(record: SessionRecord): Promise<void> {
  await atomicWrite(recordFile(record.alias), `${JSON.stringify(record, null, 2)}\n`);
}

/** A zombie (exited, not yet reaped by its new parent) is not a live session (Linux: /proc state Z). */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) S ...": comm may contain spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false; // No /proc (macOS), or the process is gone.
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // ESRCH: gone. EPERM: the pid exists but belongs to someone else, so it is not our session.
    return false;
  }
  return !isZombie(pid);
}

/** The live record for `alias`; a stale or unreadable record is removed and undefined returned. */
export function readSessionRecord(alias: string): SessionRecord | undefined {
  const file = recordFile(alias);
  let record: SessionRecord;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionRecord;
  } catch {
    return undefined;
  }
  if (typeof record.pid !== 'number' || !isAlive(record.pid)) {
    fs.rmSync(file, { force: true });
    return undefined;
  }
  return record;
}

export function removeSessionRecord(alias: string, pid?: number): void {
  const file = recordFile(alias);
  if (pid !== undefined) {
    // Only remove our own record: a newer session for the same host may have replaced it.
    try {
      const current = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionRecord;
      if (current.pid !== pid) return;
    } catch {
      return;
    }
  }
  fs.rmSync(file, { force: true });
}

export function listSessionRecords(): SessionRecord[] {
  const dir = tunnelPaths().sessionsDir;
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => readSessionRecord(decodeURIComponent(name.slice(0, -'.json'.length))))
    .filter((record): record is SessionRecord => record !== undefined);
}

/** Stops a session process and waits (up to timeoutMs) for it to exit. */
export async function stopSessionProcess(record: SessionRecord, timeoutMs = 5000): Promise<boolean> {
  try {
    process.kill(record.pid, 'SIGTERM');
  } catch {
    return true;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(record.pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(record.pid);
}
