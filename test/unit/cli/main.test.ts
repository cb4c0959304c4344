import { describe, expect, it } from 'vitest';
import { buildProgram, commandName } from '../../../src/cli/main.js';

const argv = (...args: string[]) => ['node', 'tunnel', ...args];

describe('the CLI loads only the command it runs', () => {
  it('finds the command word after global options, including --ssh-config and its value', () => {
    expect(commandName(argv('status', '--json'))).toBe('status');
    expect(commandName(argv('--ssh-config', 'cfg', 'connect', 'devserver'))).toBe('connect');
    expect(commandName(argv('--version'))).toBeUndefined();
    expect(commandName(argv())).toBeUndefined();
  });

  it('registers just that command, or every command for help and unknown words', async () => {
    const names = async (only?: string) =>
      (await buildProgram(only)).commands
        .map((command) => command.name())
        .filter((name) => name !== '__agent');
    expect(await names('status')).toEqual(['status']);
    const all = await names(undefined);
    expect(all).toEqual(
      expect.arrayContaining([
        'connect',
        'status',
        'logs',
        'disconnect',
        'agent',
        'config',
        'clusters',
        'kubeconfig',
      ]),
    );
    expect(await names('bogus')).toEqual(all);
  });
});
