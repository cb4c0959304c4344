// Process liveness (the agent lock and the CLI's waits): real processes, real pids, a real zombie.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/agent/process.js';

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

const procState = (pid: number) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];

/**
 * A zombie, deterministically: the shell starts a child, then exec's into `sleep`, which never reaps.
 * Only once the shell has become `sleep` is the child killed, so nothing can reap it before we look.
 */
async function makeZombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 31'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(parent.pid!);
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (chunk) => resolve(Number(chunk))),
  );
  started.push(pid);
  await expect
    .poll(() => fs.readFileSync(`/proc/${parent.pid}/cmdline`, 'utf8'), { timeout: 5000 })
    // The shell's own command line holds "sleep 31" too: only argv[0] says it has exec'd.
    .toMatch(/^sleep\0/);
  process.kill(pid, 'SIGKILL');
  await expect.poll(() => procState(pid), { timeout: 5000 }).toBe('Z');
  return pid;
}

describe('process liveness', () => {
  it('treats a running process as alive and an exited-but-unreaped (zombie) one as gone', async () => {
    const runner = spawn('sleep', ['30']);
    started.push(runner.pid!);
    expect(isAlive(runner.pid!)).toBe(true);
    const zombie = await makeZombie();
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isAlive(zombie)).toBe(false);
  });
});
