// startProcess with a process group of its own: stopping or killing it takes what it started along
// (an OpenSSH master's ProxyJump `ssh -W` must never outlive it and answer a question on its own).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startProcess } from '../../../src/process/start.js';

/** Running, a zombie (dead, not reaped yet by whoever inherited it) not counted. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !fs.existsSync(stat) || !/^\d+ \(.*\) Z/.test(fs.readFileSync(stat, 'utf8'));
}

/** Starts `sh` that starts a `sleep` of its own and prints its pid. */
async function withGrandchild() {
  const running = await startProcess({
    file: 'sh',
    args: ['-c', 'sleep 30 & echo $!; wait'],
    ownProcessGroup: true,
  });
  const pid = await new Promise<number>((resolve) => {
    running.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  running.stdout.resume();
  return { running, pid };
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return !alive(pid);
}

describe('startProcess with ownProcessGroup', () => {
  it('kill() ends the process and everything it started', async () => {
    const { running, pid } = await withGrandchild();
    expect(alive(pid)).toBe(true);
    running.kill();
    expect((await running.exited).failure).toMatch(/killed by SIGKILL/);
    expect(await gone(pid)).toBe(true);
  });

  it('stop() ends the whole group too', async () => {
    const { running, pid } = await withGrandchild();
    running.stop();
    await running.exited;
    expect(await gone(pid)).toBe(true);
  });
});

describe('a group outlives nothing', () => {
  it('a process ended by a signal it does not handle (a closed terminal’s SIGHUP) takes its groups along', async () => {
    // A child Node runs startProcess from the build, prints the grandchild's pid, then gets SIGHUP.
    const module = new URL('../../../dist/process/start.js', import.meta.url).href;
    const program = `const { startProcess } = await import(${JSON.stringify(module)});
      const running = await startProcess({ file: 'sh', args: ['-c', 'sleep 30 & echo $!; wait'], ownProcessGroup: true });
      running.stdout.once('data', (chunk) => process.stdout.write(chunk));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', program], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve) =>
      child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
    );
    expect(alive(pid)).toBe(true);
    const ended = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGHUP');
    expect(await ended).toBe('SIGHUP');
    expect(await gone(pid)).toBe(true);
  });
});
