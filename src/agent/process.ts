// Whether a process we recorded (an agent's pid) still runs. Used by the lock and the CLI's waits.
import fs from 'node:fs';

/** A zombie (exited, not yet reaped by its new parent) is not running (Linux: /proc state Z). */
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
    // ESRCH: gone. EPERM: the pid exists but belongs to someone else, so it is not our agent.
    return false;
  }
  return !isZombie(pid);
}
