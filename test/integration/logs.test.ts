// `tunnel logs` through the real bin: the log files are written by the agent's own rotating logger
// (or by hand, for damaged lines), and read back as a user would see them.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LogLevel, rotatingFileLogger } from '../../src/log.js';
import { type CliEnv, makeCliEnv, runCli, spawnCli } from './cli-helpers.js';

const envs: CliEnv[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
  for (const cli of envs.splice(0)) fs.rmSync(cli.home, { recursive: true, force: true });
});

function setup(): { cli: CliEnv; logFile: string } {
  const cli = makeCliEnv();
  envs.push(cli);
  return { cli, logFile: path.join(cli.env.TUNNEL_HOME!, 'logs', 'agent.log') };
}

function entry(level: LogLevel, message: string, fields: object = {}): string {
  return `${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`;
}

function writeLog(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join(''));
}

function follow(cli: CliEnv, args: string[]) {
  const started = spawnCli(cli, ['logs', '-f', ...args]);
  children.push(started.child);
  const exited = new Promise<number | null>((resolve) => started.child.on('exit', (code) => resolve(code)));
  return { ...started, exited };
}

/** Polls until the output satisfies `done`; the test's own timeout is the only limit. */
async function until(read: () => string, done: (text: string) => boolean): Promise<string> {
  while (!done(read())) await new Promise((resolve) => setTimeout(resolve, 50));
  return read();
}

const messages = (stdout: string) =>
  stdout
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(/ {2,}/)[3]);

describe('tunnel logs', () => {
  it('says where the logs will be when the agent has not written any, and succeeds', async () => {
    const { cli, logFile } = setup();
    const result = await runCli(cli, ['logs', 'devserver']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no logs yet at ${logFile}`);
    expect(result.stderr).toContain('tunnel connect devserver');
  });

  it("shows one host's lines only (no agent-wide lines), readable, with its fields", async () => {
    const { cli, logFile } = setup();
    writeLog(logFile, [
      entry('info', 'agent started', { pid: 4242 }),
      entry('warn', 'connection lost: no answer to 3 keepalives', {
        host: 'devserver',
        forward: 'my-app/service/127.0.0.1:8080',
      }),
      entry('info', 'forwarding', { host: 'staging', forwards: 3 }),
      entry('info', 'reconnected', { host: 'devserver' }),
    ]);
    const result = await runCli(cli, ['logs', 'devserver']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}WARN {3}devserver {2}connection lost: no answer to 3 keepalives {2}forward=my-app\/service\/127\.0\.0\.1:8080$/,
    );
    expect(lines[1]).toContain('INFO   devserver  reconnected');
    // Not a terminal: no colour codes.
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('shows every line without a host, agent-wide ones included, and damaged lines as they are', async () => {
    const { cli, logFile } = setup();
    writeLog(logFile, [
      entry('info', 'agent started'),
      'this is not JSON \u001b[31m\n',
      '{"time":"2026-11-24T10:42:01.123Z","level":"info","mess\n',
      entry('error', 'port busy', { host: 'staging' }),
    ]);
    const result = await runCli(cli, ['logs']);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('INFO   -        agent started');
    expect(lines[1]).toBe('this is not JSON \\x1b[31m');
    expect(lines[2]).toBe('{"time":"2026-11-24T10:42:01.123Z","level":"info","mess');
    expect(lines[3]).toContain('ERROR  staging  port busy');
  });

  it('reads rotated files oldest first and shows only the last -n lines', async () => {
    const { cli, logFile } = setup();
    const log = rotatingFileLogger(logFile, { maxBytes: 400, keep: 3, base: { host: 'devserver' } });
    for (let index = 1; index <= 12; index++) log('info', `step ${index}`);
    expect(fs.existsSync(`${logFile}.2`)).toBe(true);
    const all = await runCli(cli, ['logs', 'devserver', '-n', '1000']);
    const steps = messages(all.stdout);
    expect(steps.at(-1)).toBe('step 12');
    expect(steps).toEqual(steps.map((_, index) => `step ${12 - steps.length + index + 1}`));
    expect(steps.length).toBeGreaterThan(4);
    const lastFive = await runCli(cli, ['logs', 'devserver', '-n', '5']);
    expect(messages(lastFive.stdout)).toEqual(['step 8', 'step 9', 'step 10', 'step 11', 'step 12']);
  });

  it('prints the raw JSON lines with --json, for jq', async () => {
    const { cli, logFile } = setup();
    const lines = [
      entry('info', 'agent started'),
      'not json\n',
      entry('warn', 'slow', { host: 'devserver', ms: 900 }),
    ];
    writeLog(logFile, lines);
    const result = await runCli(cli, ['logs', '--json']);
    expect(result.stdout).toBe(lines[0]! + lines[2]!);
    const one = await runCli(cli, ['logs', '--json', '-n', '1', 'devserver']);
    expect(JSON.parse(one.stdout)).toMatchObject({
      level: 'warn',
      message: 'slow',
      host: 'devserver',
      ms: 900,
    });
  });

  it('rejects a --lines value that is not a count, with a hint', async () => {
    const { cli } = setup();
    const result = await runCli(cli, ['logs', '-n', 'ten']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--lines ten');
    expect(result.stderr).toContain('hint:');
  });

  it('follows appended lines across rotations, whole lines only, and stops cleanly on SIGTERM', async () => {
    const { cli, logFile } = setup();
    // Lines are ~90 bytes, so agent.log rotates every three lines while the follower reads it.
    const log = rotatingFileLogger(logFile, { maxBytes: 300, keep: 3, base: { host: 'devserver' } });
    log('info', 'before follow');
    const tail = follow(cli, ['devserver', '-n', '1']);
    const read = () => tail.output().stdout;
    await until(read, (text) => text.includes('before follow'));

    // A line that reaches the file in two writes is printed once, whole (given a few polls to see half).
    const split = entry('info', 'written in two parts', { host: 'devserver' });
    fs.appendFileSync(logFile, split.slice(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 600));
    fs.appendFileSync(logFile, split.slice(40));
    log('info', 'about another host', { host: 'staging' });
    for (let index = 1; index <= 4; index++) {
      log('info', `after ${index}`);
      await until(read, (text) => text.includes(`after ${index}\n`));
    }
    // A burst that crosses a rotation between two polls: the old file's last lines are not lost.
    for (let index = 5; index <= 8; index++) log('info', `after ${index}`);
    await until(read, (text) => text.includes('after 8\n'));
    expect(fs.existsSync(`${logFile}.2`)).toBe(true);

    expect(messages(read())).toEqual([
      'before follow',
      'written in two parts',
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((index) => `after ${index}`),
    ]);
    tail.child.kill('SIGTERM');
    expect(await tail.exited).toBe(0);
  });

  it('waits for the log to appear with -f, then shows it from the start; Ctrl-C ends it with success', async () => {
    const { cli, logFile } = setup();
    const tail = follow(cli, []);
    await until(
      () => tail.output().stderr,
      (text) => text.includes('no logs yet'),
    );
    const log = rotatingFileLogger(logFile);
    log('info', 'agent started');
    log('warn', 'first session', { host: 'devserver' });
    const text = await until(
      () => tail.output().stdout,
      (out) => out.includes('first session'),
    );
    expect(messages(text)).toEqual(['agent started', 'first session']);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
  });
});
