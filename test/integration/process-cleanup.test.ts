// A local process tunnel started dies with tunnel: a Node process (the built dist/) starts `sleep` through
// the process module, prints its pid, then ends by process.exit, by an uncaught error, or by SIGTERM. The
// sleep must be gone after each (an orphan's zombie, if its new parent does not reap, counts as gone).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/agent/process.js';

const START = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/process/start.js');

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone: what the test wanted.
    }
  }
});

// `end` is the statement that ends the parent once it has printed the sleep's pid.
function parentScript(end: string): string {
  return [
    `const { startProcess } = await import(${JSON.stringify(START)});`,
    "const sleeper = await startProcess({ file: 'sleep', args: ['30'] });",
    "process.stdout.write(String(sleeper.pid) + '\\n');",
    end,
  ].join('\n');
}

/** Runs the parent until it exits; resolves with the sleep's pid. `signal` is sent once the pid is out. */
function runParent(end: string, signal?: NodeJS.Signals): Promise<number> {
  const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript(end)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  started.push(parent.pid!);
  return new Promise((resolve, reject) => {
    let pid: number | undefined;
    parent.stdout.once('data', (chunk: Buffer) => {
      pid = Number(chunk.toString().trim());
      started.push(pid);
      if (signal) parent.kill(signal);
    });
    parent.once('error', reject);
    parent.once('exit', () => (pid ? resolve(pid) : reject(new Error('the parent printed no pid'))));
  });
}

describe('a local process dies with tunnel', () => {
  it.each([
    ['process.exit()', 'process.exit(0);', undefined],
    ['an uncaught error', "throw new Error('crash');", undefined],
    ['SIGTERM without a handler', 'setInterval(() => {}, 1000);', 'SIGTERM' as const],
  ])('%s', async (_name, end, signal) => {
    const pid = await runParent(end, signal);
    await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
  });
});
