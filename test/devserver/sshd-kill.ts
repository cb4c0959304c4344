// Stopping sshd for good: SIGKILL for the listener and every per-connection process it forked, then waiting
// until they are really gone (their sockets closed). Split from sshd.ts, which keeps to configuring and
// starting sshd.
import { type ChildProcess, execFileSync } from 'node:child_process';

/** `pid` and every process below it (children, grandchildren…), parents first; `ps` works on Linux and macOS. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid || ppid === undefined) continue;
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) tree.push(...(children.get(tree[index]!) ?? []));
  return tree;
}

/** Whether `pid` still runs (a zombie, exited but not reaped, does not). */
function running(pid: number): boolean {
  try {
    return !execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
      .trim()
      .startsWith('Z');
  } catch {
    return false; // ps exits 1 when there is no such process.
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** SIGKILL for a process and everything it forked; the listener is frozen first so it cannot fork meanwhile. */
export async function killTree(listener: ChildProcess): Promise<void> {
  const pid = listener.pid;
  if (pid === undefined || listener.exitCode !== null || listener.signalCode !== null) return;
  const exited = new Promise((resolve) => listener.once('exit', resolve));
  listener.kill('SIGSTOP');
  await waitFor(
    () =>
      execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' })
        .trim()
        .startsWith('T'),
    `sshd ${pid} did not stop`,
  );
  const tree = processTree(pid);
  for (const member of tree) {
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Exited on its own between the listing and the kill.
    }
  }
  await exited;
  // The per-connection processes are not our children: wait until they are really gone (sockets closed).
  await waitFor(() => !tree.some(running), 'sshd connection processes did not exit');
}
