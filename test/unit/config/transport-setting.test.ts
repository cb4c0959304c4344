// The transport a session uses (--transport over the host's `transport` setting over auto), --save and
// `config set` of it, its checks, and the askpass program decided from the command's env and terminal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { addSettingsOptions, resolveConnectOptions } from '../../../src/cli/connect-settings.js';
import { type AskpassInput, askpassProgram } from '../../../src/config/askpass.js';
import { resolveSessionOptions } from '../../../src/config/resolve.js';
import { settingFromJson, settingFromWords } from '../../../src/config/setting-keys.js';
import { SettingsStore } from '../../../src/config/settings.js';
import { UsageError } from '../../../src/errors.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

function tempEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-transport-setting-'));
  homes.push(home);
  return { HOME: home, TUNNEL_HOME: path.join(home, 'state'), KUBECONFIG: path.join(home, 'kc'), ...extra };
}

function parseConnect(args: string[]): Command {
  const program = new Command('tunnel').exitOverride();
  const connect = program
    .command('connect')
    .argument('<host>')
    .action(() => {});
  addSettingsOptions(connect);
  program.parse(['connect', ...args], { from: 'user' });
  return connect;
}

describe('the transport of a session', () => {
  const env = { HOME: '/home/me' };

  it('is auto unless a flag or the host setting says otherwise; the flag wins', () => {
    expect(resolveSessionOptions('dev', {}, env).transport).toBe('auto');
    expect(resolveSessionOptions('dev', {}, env, { transport: 'openssh' }).transport).toBe('openssh');
    expect(resolveSessionOptions('dev', { transport: 'ssh2' }, env, { transport: 'openssh' }).transport).toBe(
      'ssh2',
    );
  });

  it('refuses an unknown transport, naming the flag or the setting and what to type', () => {
    const fromFlag = () => resolveSessionOptions('dev', { transport: 'putty' }, env);
    expect(fromFlag).toThrow(UsageError);
    expect(fromFlag).toThrow(/--transport putty: not a transport; use auto .*, ssh2, or openssh/);
    try {
      resolveSessionOptions('dev', {}, env, { transport: 'OpenSSH' as never });
    } catch (error) {
      expect((error as UsageError).message).toMatch(/setting transport "OpenSSH" for dev/);
      expect((error as UsageError).hint).toBe('For example: tunnel config set dev transport openssh');
    }
    expect.assertions(4);
  });

  it('`tunnel config set <host> transport openssh` and the settings file take the same words', () => {
    expect(settingFromWords('transport', ['openssh'], 'dev')).toBe('openssh');
    expect(settingFromJson('transport', 'ssh2', 'dev')).toBe('ssh2');
    expect(() => settingFromWords('transport', ['ssh'], 'dev')).toThrow(/not a transport/);
    expect(() => settingFromJson('transport', true, 'dev')).toThrow(/must be a string/);
  });

  it('--transport reaches the options, and --save keeps it for the host', async () => {
    const tempenv = tempEnv();
    const { options, saved } = await resolveConnectOptions(
      'dev',
      parseConnect(['dev', '--transport', 'openssh', '--save']),
      tempenv,
    );
    expect(options.transport).toBe('openssh');
    expect(saved).toEqual(['transport']);
    expect((await SettingsStore.open(tempenv)).host('dev')).toEqual({ transport: 'openssh' });
  });

  it('a bad --transport is never saved', async () => {
    const tempenv = tempEnv();
    await expect(
      resolveConnectOptions('dev', parseConnect(['dev', '--transport', 'fast', '--save']), tempenv),
    ).rejects.toThrow(/--transport fast/);
    expect((await SettingsStore.open(tempenv)).host('dev')).toEqual({});
  });
});

describe('askpassProgram: which SSH_ASKPASS answers when nobody is at a terminal', () => {
  const base = (env: NodeJS.ProcessEnv, stdinIsTTY: boolean): AskpassInput => ({
    env,
    stdinIsTTY,
    cwd: '/work',
    isExecutable: (file) => file === '/usr/lib/ssh/ssh-askpass',
  });
  const ASKPASS = '/opt/bin/answer';

  it('none without SSH_ASKPASS, whatever else is set', () => {
    expect(askpassProgram(base({ SSH_ASKPASS_REQUIRE: 'force' }, false))).toBeUndefined();
    expect(askpassProgram(base({ SSH_ASKPASS: '' }, false))).toBeUndefined();
  });

  it('at a terminal: only with SSH_ASKPASS_REQUIRE=force (any case), as OpenSSH', () => {
    expect(askpassProgram(base({ SSH_ASKPASS: ASKPASS }, true))).toBeUndefined();
    expect(
      askpassProgram(base({ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'prefer' }, true)),
    ).toBeUndefined();
    expect(askpassProgram(base({ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'force' }, true))).toBe(ASKPASS);
    expect(askpassProgram(base({ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'FORCE' }, true))).toBe(ASKPASS);
  });

  it.each([
    [{ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'never', DISPLAY: ':0' }, false, undefined],
    [{ SSH_ASKPASS: ASKPASS, DISPLAY: ':0' }, false, ASKPASS],
    [{ SSH_ASKPASS: ASKPASS, WAYLAND_DISPLAY: 'wayland-0' }, false, ASKPASS],
    [{ SSH_ASKPASS: ASKPASS, DISPLAY: ':0' }, true, undefined],
    [{ SSH_ASKPASS: ASKPASS }, false, undefined],
    [{ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'prefer', DISPLAY: ':0' }, true, ASKPASS],
    [{ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'prefer' }, true, undefined],
    [{ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'force' }, false, ASKPASS],
  ])('as readpass.c decides: %j with a terminal=%s → %s', (env, terminal, expected) => {
    expect(askpassProgram(base(env, terminal))).toBe(expected);
  });

  it('made absolute for the agent: relative to the working directory, a bare name through PATH', () => {
    expect(askpassProgram(base({ SSH_ASKPASS: 'bin/ask', SSH_ASKPASS_REQUIRE: 'force' }, false))).toBe(
      '/work/bin/ask',
    );
    const env = {
      SSH_ASKPASS: 'ssh-askpass',
      SSH_ASKPASS_REQUIRE: 'force',
      PATH: ['relative', '/usr/bin', '/usr/lib/ssh'].join(path.delimiter),
    };
    expect(askpassProgram(base(env, false))).toBe('/usr/lib/ssh/ssh-askpass');
    expect(
      askpassProgram(base({ SSH_ASKPASS: 'nowhere', SSH_ASKPASS_REQUIRE: 'force', PATH: '/usr/bin' }, false)),
    ).toBeUndefined();
  });

  it('refuses what a session must not carry: control characters, an unbounded path', () => {
    expect(
      askpassProgram(base({ SSH_ASKPASS: '/opt/ask\nrm', SSH_ASKPASS_REQUIRE: 'force' }, false)),
    ).toBeUndefined();
    expect(
      askpassProgram(base({ SSH_ASKPASS: `/${'a'.repeat(5000)}`, SSH_ASKPASS_REQUIRE: 'force' }, false)),
    ).toBeUndefined();
  });

  it('reaches the options of a connect run without a terminal', async () => {
    const env = tempEnv({ SSH_ASKPASS: ASKPASS, SSH_ASKPASS_REQUIRE: 'force' });
    const { options } = await resolveConnectOptions('dev', parseConnect(['dev']), env);
    expect(options.askpass).toBe(ASKPASS);
    const quiet = tempEnv();
    expect(
      (await resolveConnectOptions('dev', parseConnect(['dev']), quiet)).options.askpass,
    ).toBeUndefined();
  });
});
