// What a user sees from help and usage errors: no commander internals, and a way forward from a typo.
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../../src/cli/main.js';
import { UsageError } from '../../../src/errors.js';

const argv = (...args: string[]) => ['node', 'tunnel', ...args];

function everyCommand(command: Command): Command[] {
  return [command, ...command.commands.flatMap(everyCommand)];
}

/** Runs main() and returns what it wrote to stderr, and the exit code it set. */
async function runMain(...args: string[]): Promise<{ stderr: string; exitCode: unknown }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    await main(argv(...args));
    return { stderr, exitCode: process.exitCode };
  } finally {
    vi.restoreAllMocks();
    process.exitCode = before;
  }
}

afterEach(() => vi.restoreAllMocks());

describe('help texts', () => {
  it('show no "(default: [])" on repeatable options, in any command', async () => {
    const commands = everyCommand(await buildProgram());
    const repeatable = commands.flatMap((command) =>
      command.options.filter((option) => Array.isArray(option.defaultValue)).map(() => command.name()),
    );
    // The repeatable options this test is about exist (connect --cluster/--map, cluster create -p, …).
    expect(repeatable).toEqual(expect.arrayContaining(['connect', 'create', 'nodeports', 'kubeconfig']));
    for (const command of commands) {
      // Help wraps long lines: compare with the whitespace folded.
      const help = command.helpInformation().replace(/\s+/g, ' ');
      expect(help, `tunnel ${command.name()} --help`).not.toContain('(default: [])');
    }
  });

  it('still show a real default', async () => {
    const program = await buildProgram('connect');
    const connect = program.commands.find((command) => command.name() === 'connect')!;
    expect(connect.helpInformation().replace(/\s+/g, ' ')).toContain('(default: "127.0.0.1")');
  });
});

describe('usage errors with a way forward', () => {
  it('connect -p says the port belongs in the ssh config or an ssh:// target', async () => {
    const { stderr, exitCode } = await runMain('connect', 'devserver', '-p', '2200');
    expect(exitCode).toBe(2);
    expect(stderr).toContain("error: unknown option '-p'");
    expect(stderr).toContain('Port 2200 under the Host entry in ~/.ssh/config');
    expect(stderr).toContain('tunnel connect ssh://user@host:2200');
  });

  it('gives no port hint for other unknown options', async () => {
    const { stderr, exitCode } = await runMain('connect', 'devserver', '--colour');
    expect(exitCode).toBe(2);
    expect(stderr).not.toContain('hint:');
  });

  it('disconnect refuses a host together with --all, before asking the agent anything', async () => {
    const program = await buildProgram('disconnect');
    const attempt = program.parseAsync(argv('disconnect', 'foo', '--all'));
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(program.parseAsync(argv('disconnect', 'foo', '--all'))).rejects.toThrow(
      'disconnect takes a host or --all, not both',
    );
  });
});
