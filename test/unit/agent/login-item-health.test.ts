// Whether an installed login item would start the agent at the next login, as `tunnel agent status`
// and `tunnel doctor` report it. launchctl is answered with fixtures shaped like macOS 14/15 output
// (`launchctl print`, `print-disabled`, the 113 "Could not find service" of an unloaded job); these are
// verified only by fixture (docs/macos.md), never against a real launchd.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../../src/agent/login-item.js';
import {
  type LoginItemHealthInput,
  launchdDisabled,
  loginItemHealth,
  loginItemLine,
  plistProgramArguments,
} from '../../../src/agent/login-item-health.js';
import { launchdPlist } from '../../../src/agent/login-item-render.js';
import type { LoginItemPaths } from '../../../src/config/login-item-paths.js';

const OPT_NODE = '/opt/homebrew/opt/node/bin/node';
const CELLAR_NODE = '/opt/homebrew/Cellar/node/23.3.0/bin/node';
const SCRIPT = '/opt/homebrew/lib/node_modules/tunnel/bin/tunnel.js';

// `launchctl print gui/501/dev.tunnel.agent` of a running LaunchAgent (macOS 14/15 layout: tab-indented
// `key = value`, nested `{ }` blocks; trimmed to the lines around the ones read).
const PRINT_RUNNING = `gui/501/dev.tunnel.agent = {
\tactive count = 1
\tpath = /Users/me/Library/LaunchAgents/dev.tunnel.agent.plist
\ttype = LaunchAgent
\tstate = running

\tprogram = ${OPT_NODE}
\targuments = {
\t\t${OPT_NODE}
\t\t--initial-old-space-size=64
\t\t--expose-gc
\t\t${SCRIPT}
\t\t__agent
\t}

\tdomain = gui/501 [100005]
\tasid = 100005
\tminimum runtime = 10
\texit timeout = 5
\truns = 1
\tpid = 4242
\timmediate reason = speculative
\tforks = 0
\texecs = 1
\tlast exit code = (never exited)

\tspawn type = interactive (4)
\tjetsam priority = 40
\tjob state = running

\tproperties = keepalive | runatload | inferred program
}
`;

// The same job after its program vanished: launchd retries and reports EX_CONFIG.
const PRINT_SPAWN_FAILED = PRINT_RUNNING.replace('\tstate = running', '\tstate = not running')
  .replace('\tpid = 4242\n', '')
  .replace('last exit code = (never exited)', 'last exit code = 78: EX_CONFIG')
  .replace('job state = running', 'job state = spawn failed');

const NOT_LOADED: CommandResult = {
  code: 113,
  stdout: '',
  stderr: 'Bad request.\nCould not find service "dev.tunnel.agent" in domain for user gui: 501\n',
};

// `launchctl print-disabled gui/501`: macOS 13+ says enabled/disabled, older releases true/false.
function printDisabled(value: string): string {
  return `disabled services = {
\t"com.apple.ScriptMenuApp" => ${value === 'disabled' ? 'disabled' : 'true'}
\t"dev.tunnel.agent" => ${value}
\t"com.docker.helper" => ${value === 'disabled' || value === 'enabled' ? 'enabled' : 'false'}
}

login item associations = {
\t"com.docker.helper" => "com.docker.docker"
}
`;
}

const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-login-health-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  node?: string;
  present?: string[];
  answers?: Record<string, CommandResult>;
}

function launchdInput(setup: Setup = {}): { input: LoginItemHealthInput; calls: string[] } {
  const node = setup.node ?? OPT_NODE;
  const paths: LoginItemPaths = {
    manager: 'launchd',
    file: path.join(dir, 'dev.tunnel.agent.plist'),
    logsDir: path.join(dir, 'logs'),
    agentEnv: [['PATH', '/opt/homebrew/bin:/usr/bin:/bin']],
  };
  const args = [node, '--initial-old-space-size=64', '--expose-gc', SCRIPT, '__agent'];
  fs.writeFileSync(
    paths.file,
    launchdPlist({ programArguments: args, environment: paths.agentEnv, logsDir: paths.logsDir }),
  );
  const present = setup.present ?? [node, SCRIPT];
  const calls: string[] = [];
  const answers = {
    'print-disabled': ok(printDisabled('enabled')),
    print: ok(PRINT_RUNNING),
    ...setup.answers,
  };
  const input: LoginItemHealthInput = {
    platform: 'darwin',
    paths,
    uid: 501,
    exists: (file) => present.includes(file),
    run: async (command, commandArgs) => {
      calls.push([command, ...commandArgs].join(' '));
      return answers[commandArgs[0] as keyof typeof answers] ?? ok('');
    },
  };
  return { input, calls };
}

describe('loginItemHealth on macOS', () => {
  it('says yes when the programs exist and launchd runs the job', async () => {
    const { input, calls } = launchdInput();
    const health = await loginItemHealth(input);
    expect(health).toEqual({ installed: true, file: input.paths?.file, manager: 'launchd' });
    expect(loginItemLine(health!)).toBe(`starts at login: yes (${input.paths?.file})`);
    expect(calls).toEqual(['launchctl print-disabled gui/501', 'launchctl print gui/501/dev.tunnel.agent']);
  });

  it('says no, names the vanished Cellar node and the command, after brew upgrade', async () => {
    const { input, calls } = launchdInput({
      node: CELLAR_NODE,
      present: [SCRIPT],
      answers: { print: ok(PRINT_SPAWN_FAILED) },
    });
    const health = await loginItemHealth(input);
    expect(loginItemLine(health!)).toBe(
      `starts at login: no — the program ${CELLAR_NODE} is gone (brew upgrade?); run: tunnel agent install`,
    );
    // The file already tells; launchd is not asked.
    expect(calls).toEqual([]);
  });

  it('says no when the tunnel script the item names is gone', async () => {
    const { input } = launchdInput({ present: [OPT_NODE] });
    expect((await loginItemHealth(input))?.problem).toBe(`${SCRIPT} is gone (tunnel moved or uninstalled?)`);
  });

  it('says no when the user switched it off in Login Items, in both print-disabled shapes', async () => {
    for (const value of ['disabled', 'true']) {
      const { input } = launchdInput({
        answers: { 'print-disabled': ok(printDisabled(value)), print: NOT_LOADED },
      });
      const health = await loginItemHealth(input);
      expect(health?.problem).toBe('it is switched off in System Settings → General → Login Items');
      expect(health?.fix).toBe('tunnel agent install (or switch it on again in Login Items)');
    }
  });

  it('does not read another label or an enabled override as switched off', () => {
    expect(launchdDisabled(printDisabled('enabled'))).toBe(false);
    expect(launchdDisabled(printDisabled('false'))).toBe(false);
    expect(launchdDisabled('\t"dev.tunnel.agentx" => disabled\n\t"devXtunnel.agent" => true\n')).toBe(false);
  });

  // launchd loads every plist in ~/Library/LaunchAgents at login: a job booted out by hand, or installed
  // over ssh with nobody at the screen, still starts at the next login.
  it('says yes, loads at next login, when launchd has not loaded the job now (113, Could not find service)', async () => {
    const { input } = launchdInput({ answers: { print: NOT_LOADED } });
    const health = await loginItemHealth(input);
    expect(health?.problem).toBeUndefined();
    expect(loginItemLine(health!)).toBe(
      `starts at login: yes (${health?.file}; not loaded in gui/501 now: it loads at your next login; tunnel agent install loads it now)`,
    );
  });

  it('reports a job launchd cannot spawn, with its exit code', async () => {
    const { input } = launchdInput({ answers: { print: ok(PRINT_SPAWN_FAILED) } });
    expect((await loginItemHealth(input))?.problem).toBe(
      'launchd could not start it (job state = spawn failed, last exit code = 78: EX_CONFIG)',
    );
  });

  it('does not call it broken when launchd cannot be asked (no GUI session over ssh)', async () => {
    const noDomain = { code: 113, stdout: '', stderr: 'Could not find domain for user gui: 501\n' };
    const { input } = launchdInput({ answers: { print: noDomain } });
    const health = await loginItemHealth(input);
    expect(health?.problem).toBeUndefined();
    expect(loginItemLine(health!)).toContain('starts at login: yes');
    expect(loginItemLine(health!)).toContain('could not ask launchd (launchctl print: Could not find domain');
  });

  it('reads back odd paths exactly as they were written', () => {
    const args = ['/Users/me/a&b <c> "d" it\'s/node', '/x/tunnel.js', '__agent'];
    const plist = launchdPlist({ programArguments: args, environment: [], logsDir: '/l' });
    expect(plistProgramArguments(plist)).toEqual(args);
  });
});
