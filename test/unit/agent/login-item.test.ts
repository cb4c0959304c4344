// The login item's install/uninstall driven through a fake `run`, in a temporary directory, for both
// launchd and systemd: what is written, what is run, and what the user is told when it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CommandResult,
  installLoginItem,
  type LoginItemInput,
  uninstallLoginItem,
} from '../../../src/agent/login-item.js';
import { loginItemHealth } from '../../../src/agent/login-item-health.js';
import type { LoginItemPaths } from '../../../src/config/login-item-paths.js';
import { TunnelError } from '../../../src/errors.js';

interface Fake {
  input: LoginItemInput;
  calls: string[];
  pauses: number[];
}

// Answers each command by the first rule whose prefix matches ("systemctl --user enable" → exit 1);
// anything else exits 0.
function fakeInput(
  dir: string,
  manager: 'launchd' | 'systemd',
  answers: Array<[string, CommandResult]> = [],
): Fake {
  const calls: string[] = [];
  const pauses: number[] = [];
  const file = path.join(
    dir,
    manager === 'launchd' ? 'LaunchAgents/dev.tunnel.agent.plist' : 'systemd/user/tunnel-agent.service',
  );
  const paths: LoginItemPaths = {
    manager,
    file,
    logsDir: path.join(dir, 'logs'),
    agentEnv: [['PATH', '/bin']],
  };
  const input: LoginItemInput = {
    platform: manager === 'launchd' ? 'darwin' : 'linux',
    paths,
    nodePath: '/usr/bin/node',
    binPath: '/opt/tunnel/bin/tunnel.js',
    uid: 501,
    run: async (command, args) => {
      const line = [command, ...args].join(' ');
      calls.push(line);
      const answer = answers.find(([prefix]) => line.startsWith(prefix));
      return answer ? answer[1] : { code: 0, stdout: '', stderr: '' };
    },
    pause: async (ms) => {
      pauses.push(ms);
    },
  };
  return { input, calls, pauses };
}

const fail = (stderr: string, code = 1): CommandResult => ({ code, stdout: '', stderr });

async function rejection(promise: Promise<unknown>): Promise<TunnelError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TunnelError);
  return error as TunnelError;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'login-item-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('systemd install / uninstall', () => {
  it('writes the unit, reloads, enables --now; a second install rewrites and reloads again', async () => {
    const fake = fakeInput(dir, 'systemd', [
      ['systemctl --user show-environment', { code: 0, stdout: 'SSH_AUTH_SOCK=/run/a\n', stderr: '' }],
    ]);
    const result = await installLoginItem(fake.input);
    expect(result.command).toBe('systemctl --user enable --now tunnel-agent.service');
    expect(result.notes).toEqual([]);
    const text = fs.readFileSync(result.file, 'utf8');
    expect(text).toContain(
      'ExecStart="/usr/bin/node" "--initial-old-space-size=64" "--expose-gc" "--interrupt-budget=270336" "/opt/tunnel/bin/tunnel.js" "__agent"',
    );
    fs.writeFileSync(result.file, 'stale');
    await installLoginItem(fake.input);
    expect(fs.readFileSync(result.file, 'utf8')).toBe(text);
    const once = [
      'systemctl --user daemon-reload',
      'systemctl --user enable --now tunnel-agent.service',
      'systemctl --user show-environment',
    ];
    expect(fake.calls).toEqual([...once, ...once]);
    // /usr/bin/node and /opt/tunnel are the fake's paths: present as far as the health check knows.
    expect(await loginItemHealth({ ...fake.input, exists: () => true })).toEqual({
      installed: true,
      file: result.file,
      manager: 'systemd',
    });
  });

  it('notes when the user manager has no SSH_AUTH_SOCK', async () => {
    const result = await installLoginItem(fakeInput(dir, 'systemd').input);
    expect(result.notes.join('\n')).toMatch(/no SSH_AUTH_SOCK/);
  });

  it('keeps the file and explains when there is no user session', async () => {
    const fake = fakeInput(dir, 'systemd', [
      ['systemctl --user enable', fail('Failed to connect to bus: No medium found')],
    ]);
    const error = await rejection(installLoginItem(fake.input));
    expect(error.code).toBe('AGENT');
    expect(error.message).toMatch(/^wrote .*tunnel-agent\.service, but .*Failed to connect to bus/);
    expect(error.hint).toContain('loginctl enable-linger $USER');
    expect(error.hint).toContain('tunnel connect');
    expect(fs.existsSync(fake.input.paths!.file)).toBe(true);
  });

  it('says systemctl is missing when it is', async () => {
    const fake = fakeInput(dir, 'systemd', [['systemctl', fail('systemctl: command not found', 127)]]);
    const error = await rejection(installLoginItem(fake.input));
    expect(error.message).toMatch(/but systemctl was not found$/);
    expect(error.hint).toMatch(/does not run systemd/);
    expect(fs.existsSync(fake.input.paths!.file)).toBe(true);
  });

  it('uninstalls: disable --now, remove the file, reload; then says it is not installed', async () => {
    const fake = fakeInput(dir, 'systemd');
    await installLoginItem(fake.input);
    const file = fake.input.paths!.file;
    const wants = path.join(path.dirname(file), 'default.target.wants', 'tunnel-agent.service');
    fs.mkdirSync(path.dirname(wants));
    fs.symlinkSync(file, wants);
    fake.calls.length = 0;
    const first = await uninstallLoginItem(fake.input);
    expect(first).toMatchObject({
      changed: true,
      command: 'systemctl --user disable --now tunnel-agent.service',
    });
    expect(fake.calls).toEqual([
      'systemctl --user disable --now tunnel-agent.service',
      'systemctl --user daemon-reload',
    ]);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(wants)) && fs.readdirSync(path.dirname(wants))).toEqual([]);
    const second = await uninstallLoginItem(fake.input);
    expect(second).toMatchObject({ changed: false, command: undefined });
    expect(fake.calls).toHaveLength(2);
    expect((await loginItemHealth(fake.input))?.installed).toBe(false);
  });

  it('removes the file even when systemd cannot be told, and notes that an agent may still run', async () => {
    const fake = fakeInput(dir, 'systemd');
    await installLoginItem(fake.input);
    const failing = fakeInput(dir, 'systemd', [
      ['systemctl --user disable', fail('Failed to connect to bus')],
    ]);
    const result = await uninstallLoginItem(failing.input);
    expect(result.changed).toBe(true);
    expect(result.notes).toEqual([
      '`systemctl --user disable --now tunnel-agent.service` failed (Failed to connect to bus); ' +
        'if systemd started the agent it may still be running: tunnel agent stop',
    ]);
    expect(failing.calls).toEqual(['systemctl --user disable --now tunnel-agent.service']);
    expect(fs.existsSync(fake.input.paths!.file)).toBe(false);
    // Without systemctl nothing can be running under it: plain success.
    await installLoginItem(fake.input);
    const missing = fakeInput(dir, 'systemd', [['systemctl', fail('', 127)]]);
    const quiet = await uninstallLoginItem(missing.input);
    expect(quiet).toMatchObject({ changed: true, notes: [] });
  });
});

describe('launchd install / uninstall', () => {
  it('writes the plist, boots out the old job and bootstraps the new one in gui/<uid>', async () => {
    const fake = fakeInput(dir, 'launchd', [
      ['launchctl bootout', fail('Boot-out failed: 3: No such process', 3)],
    ]);
    const result = await installLoginItem(fake.input);
    expect(fake.calls).toEqual([
      'launchctl bootout gui/501/dev.tunnel.agent',
      // Clears a switch-off in Login Items, which would make bootstrap fail with 119.
      'launchctl enable gui/501/dev.tunnel.agent',
      `launchctl bootstrap gui/501 ${result.file}`,
    ]);
    expect(fake.pauses).toEqual([]);
    expect(result.command).toBe(`launchctl bootstrap gui/501 ${result.file}`);
    expect(fs.readFileSync(result.file, 'utf8')).toContain('<string>/opt/tunnel/bin/tunnel.js</string>');
    // launchd opens the log itself but does not create its directory.
    expect(fs.statSync(path.join(dir, 'logs')).isDirectory()).toBe(true);
  });

  it('retries bootstrap while a booted-out job is still going away', async () => {
    let attempts = 0;
    const fake = fakeInput(dir, 'launchd');
    const run = fake.input.run;
    fake.input.run = async (command, args) => {
      const result = await run(command, args);
      if (args[0] !== 'bootstrap' || ++attempts > 2) return result;
      return fail('Bootstrap failed: 5: Input/output error', 5);
    };
    await installLoginItem(fake.input);
    expect(fake.pauses).toEqual([500, 1000]);
  });

  it('keeps the plist and explains when launchd will not load it now', async () => {
    const fake = fakeInput(dir, 'launchd', [
      ['launchctl bootout', fail('Boot-out failed: 3: No such process', 3)],
      ['launchctl bootstrap', fail('Bootstrap failed: 125: Domain does not support specified action', 125)],
    ]);
    const error = await rejection(installLoginItem(fake.input));
    expect(error.message).toMatch(
      /^wrote .*dev\.tunnel\.agent\.plist, but `launchctl bootstrap gui\/501 .*` failed/,
    );
    expect(error.hint).toMatch(/next login/);
    expect(fake.pauses).toEqual([]);
    expect(fs.existsSync(fake.input.paths!.file)).toBe(true);
  });

  it('uninstalls with bootout (not loaded is fine) and removes the plist', async () => {
    const fake = fakeInput(dir, 'launchd', [
      ['launchctl bootout', fail('Boot-out failed: 3: No such process', 3)],
    ]);
    await installLoginItem(fake.input);
    fake.calls.length = 0;
    expect((await uninstallLoginItem(fake.input)).changed).toBe(true);
    expect(fake.calls).toEqual(['launchctl bootout gui/501/dev.tunnel.agent']);
    expect(fs.existsSync(fake.input.paths!.file)).toBe(false);
    expect((await uninstallLoginItem(fake.input)).changed).toBe(false);
  });
});

describe('unsupported platforms', () => {
  it('fails with a hint', async () => {
    const fake = fakeInput(dir, 'systemd');
    const input = { ...fake.input, platform: 'win32' as const, paths: undefined };
    const error = await rejection(installLoginItem(input));
    expect(error.message).toMatch(/not supported on win32/);
    expect(error.hint).toContain('tunnel connect');
    expect(await loginItemHealth(input)).toBeUndefined();
    expect(fake.calls).toEqual([]);
  });
});
