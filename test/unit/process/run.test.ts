// The local-process module with real processes (sh, cat, sleep): what a user reads when one fails, and
// that a process we stop (timeout, stop(), cancel) is really gone, by its pid.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../../src/process/result.js';
import { runProcess } from '../../../src/process/run.js';
import { startProcess, TextTail } from '../../../src/process/start.js';

/** True once `pid` no longer exists (kill 0 answers ESRCH). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

// The shell prints its pid and becomes `sleep` (exec), so that pid is the process that must die.
const SLEEPER = ['-c', 'echo $$; exec sleep 30'];

describe('runProcess', () => {
  it('gives stdout and exit code 0 with no failure', async () => {
    const result = await runProcess({ file: 'sh', args: ['-c', 'printf "a b\\n"'], timeoutMs: 10_000 });
    expect(result).toMatchObject({ exitCode: 0, stdout: 'a b\n', failure: '', notFound: false });
  });

  it('a non-zero exit names the command, its code and the last thing it said', async () => {
    const result = await runProcess({
      file: 'sh',
      args: ['-c', 'echo first >&2; echo "no such host" >&2; exit 3'],
      timeoutMs: 10_000,
    });
    expect(result.exitCode).toBe(3);
    expect(result.failure).toBe(
      '`sh -c \'echo first >&2; echo "no such host" >&2; exit 3\'` exited with code 3: no such host',
    );
  });

  it('a missing program is notFound, and the message names it', async () => {
    const result = await runProcess({ file: 'tunnel-no-such-program', args: ['-v'], timeoutMs: 10_000 });
    expect(result.notFound).toBe(true);
    expect(result.exitCode).toBeUndefined();
    expect(result.failure).toBe(
      '`tunnel-no-such-program -v` could not run: tunnel-no-such-program was not found on PATH',
    );
  });

  it('a timeout kills the process (its pid is gone) and says so, naming the command', async () => {
    // The sleeper writes its pid to a file: the pid is known however late sh got to run.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-process-'));
    try {
      const pidFile = path.join(dir, 'pid');
      const result = await runProcess({
        file: 'sh',
        args: ['-c', 'echo $$ > "$1"; exec sleep 30', 'sh', pidFile],
        timeoutMs: 1500,
      });
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).toBeUndefined();
      expect(result.failure).toBe(
        '`sh -c \'echo $$ > "$1"; exec sleep 30\' sh ' +
          `${pidFile}\` did not finish within 1500 ms and was stopped`,
      );
      // sh may not even have run before the timeout on a loaded machine; if it did, its pid is gone.
      if (fs.existsSync(pidFile)) expect(gone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('aborting the signal stops the process', async () => {
    // The sleeper writes its pid to a file, so we abort only once it is really running.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-process-'));
    try {
      const pidFile = path.join(dir, 'pid');
      const controller = new AbortController();
      const running = runProcess({
        file: 'sh',
        args: ['-c', 'echo $$ > "$1"; exec sleep 30', 'sh', pidFile],
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      await expect
        .poll(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8'), { timeout: 10_000 })
        .toMatch(/^\d+\n$/);
      controller.abort();
      const result = await running;
      expect(result.failure).toMatch(/^`sh -c .*` was cancelled$/);
      expect(gone(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ownProcessGroup puts it in a process group of its own (Ctrl-C in the terminal does not reach it)', async () => {
    // Prints its pid and its process group: a group of its own is led by itself.
    const ask = { file: 'sh', args: ['-c', 'echo $$ $(ps -o pgid= -p $$)'], timeoutMs: 10_000 };
    const [ownPid, ownGroup] = (await runProcess({ ...ask, ownProcessGroup: true })).stdout
      .trim()
      .split(/\s+/);
    const [pid, group] = (await runProcess(ask)).stdout.trim().split(/\s+/);
    expect(ownGroup).toBe(ownPid);
    expect(group).not.toBe(pid);
  });

  it('env replaces the environment rather than adding to it', async () => {
    const result = await runProcess({
      file: '/bin/sh',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansions, read by sh
      args: ['-c', 'echo "${ONLY_THIS-unset} ${HOME-unset}"'],
      env: { ONLY_THIS: 'yes' },
      timeoutMs: 10_000,
    });
    expect(result.stdout).toBe('yes unset\n');
  });

  it('a non-zero exit is a failure whose words name the command and carry its stderr', async () => {
    const result = await runProcess({
      file: 'sh',
      args: ['-c', 'echo denied >&2; exit 1'],
      timeoutMs: 10_000,
    });
    expect(result.exitCode).toBe(1);
    expect(result.failure).toBe("`sh -c 'echo denied >&2; exit 1'` exited with code 1: denied");
  });
});

describe('commandLine', () => {
  it('quotes only the words a shell would split or expand', () => {
    expect(commandLine('ssh', ['-G', '--', 'dev-box'])).toBe('ssh -G -- dev-box');
    expect(commandLine('docker', ['save', "it's mine"])).toBe("docker save 'it'\\''s mine'");
  });
});

describe('startProcess', () => {
  it('streams stdin to stdout with the pipes intact, and reports the exit', async () => {
    const cat = await startProcess({ file: 'cat', args: [], stdin: 'pipe' });
    const chunks: Buffer[] = [];
    cat.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    cat.stdin?.end('hello through cat\n');
    const result = await cat.exited;
    expect(Buffer.concat(chunks).toString()).toBe('hello through cat\n');
    expect(result).toMatchObject({ exitCode: 0, failure: '' });
  });

  it('stop() kills it: the pid is gone once exited settles', async () => {
    const sleeper = await startProcess({ file: 'sh', args: SLEEPER });
    const firstLine = await new Promise<string>((resolve) =>
      sleeper.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())),
    );
    const pid = Number(firstLine.trim());
    expect(pid).toBe(sleeper.pid);
    sleeper.stop();
    const result = await sleeper.exited;
    expect(result.failure).toMatch(/^`sh -c .*` was killed by SIGTERM$/);
    expect(gone(pid)).toBe(true);
  });

  it('keeps a bounded tail of stderr for messages, and hands each chunk to onStderr', async () => {
    const seen: string[] = [];
    const noisy = await startProcess({
      file: 'sh',
      args: ['-c', 'printf "%0100d" 0 >&2; echo " proxy: connection refused" >&2; exit 255'],
      stderrTailChars: 40,
      onStderr: (text) => seen.push(text),
    });
    noisy.stdout.resume();
    const result = await noisy.exited;
    expect(noisy.stderrTail()).toHaveLength(40);
    expect(noisy.stderrTail()).toMatch(/ proxy: connection refused\n$/);
    expect(seen.join('')).toContain('0000 proxy');
    expect(result.failure).toMatch(/exited with code 255: .*proxy: connection refused$/);
  });

  it('decodes a character split across two stderr chunks whole, not as two U+FFFD', () => {
    const tail = new TextTail(64);
    const bytes = Buffer.from('café — refusé\n', 'utf8');
    const cut = bytes.indexOf(0xa9); // inside "é": c3 | a9
    expect(tail.push(bytes.subarray(0, cut))).toBe('caf');
    tail.push(bytes.subarray(cut));
    expect(tail.end()).toBe('café — refusé\n');
    const short = new TextTail(4);
    short.push(Buffer.from('abcdef'));
    expect(short.text).toBe('cdef');
  });

  it('a missing program settles exited as notFound (no throw, no unhandled rejection)', async () => {
    const missing = await startProcess({ file: 'tunnel-no-such-program', args: [] });
    const result = await missing.exited;
    expect(result.notFound).toBe(true);
  });
});
