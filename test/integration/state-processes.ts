// The processes that run on a given tunnel state directory (TUNNEL_HOME in their environment), found in
// /proc: an agent a command started and lost track of has no lock or pid file to find it by yet.
// Linux only (the callers skip elsewhere).
import fs from 'node:fs';

export const canScanProcesses = process.platform === 'linux';

/** Live (not zombie) processes whose environment has TUNNEL_HOME=`stateDir`. */
export function processesOnState(stateDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z';
      if (!zombie && env.includes(`TUNNEL_HOME=${stateDir}`)) pids.push(Number(entry));
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return pids;
}

/** SIGKILL for each pid (a failed test's leftovers); ones already gone are skipped. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}
