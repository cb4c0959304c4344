// `tunnel agent install | uninstall` through the real bin, with a stub `systemctl` first on PATH that logs
// its argv (the real one is never reached); and the rendered files checked by real parsers: Python's
// plistlib for the plist, `systemd-analyze verify` for the unit.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoginItemSpec, launchdPlist, systemdUnit } from '../../src/agent/login-item.js';
import { plistProgramArguments, unitProgramArguments } from '../../src/agent/login-item-health.js';
import { BIN, type CliEnv, makeCliEnv, run, runCli } from './cli-helpers.js';

interface StubbedCli {
  cli: CliEnv;
  unitFile: string;
  /** Every systemctl invocation, one line each. */
  calls: () => string[];
}

// Directories to remove after each test.
const cleanups: string[] = [];
afterEach(() => {
  for (const dir of cleanups.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

// A systemctl that logs "systemctl <args>" and exits with `exitCode`, saying `stderr` when it fails.
function writeStub(dir: string, log: string, exitCode: number, stderr = ''): void {
  const script = [
    '#!/bin/sh',
    `printf '%s\\n' "systemctl $*" >> '${log}'`,
    exitCode === 0 ? 'exit 0' : `case "$*" in *enable*) echo '${stderr}' >&2; exit ${exitCode};; esac`,
    'exit 0',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'systemctl'), `${script}\n`, { mode: 0o755 });
}

function stubbedCli(options: { exitCode?: number; stderr?: string; noSystemctl?: boolean } = {}): StubbedCli {
  const cli = makeCliEnv();
  cleanups.push(cli.home);
  const stubs = path.join(cli.home, 'stub bin');
  fs.mkdirSync(stubs);
  const log = path.join(cli.home, 'systemctl.log');
  if (!options.noSystemctl) writeStub(stubs, log, options.exitCode ?? 0, options.stderr);
  // Without the stub, PATH is the stub dir alone, so the machine's real systemctl cannot be found either.
  cli.env.PATH = options.noSystemctl ? stubs : `${stubs}${path.delimiter}${process.env.PATH}`;
  // Present in the installing shell, and must never reach the unit file.
  cli.env.SSH_AUTH_SOCK = path.join(cli.home, 'secret-agent.sock');
  const unitFile = path.join(cli.home, '.config', 'systemd', 'user', 'tunnel-agent.service');
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trimEnd().split('\n') : []);
  return { cli, unitFile, calls };
}

const ENABLE = 'systemctl --user enable --now tunnel-agent.service';

describe.runIf(process.platform === 'linux')('tunnel agent install / uninstall (systemd, stubbed)', () => {
  it('writes the unit, reloads and enables it, and installing again rewrites and reloads', async () => {
    const { cli, unitFile, calls } = stubbedCli();
    const result = await runCli(cli, ['agent', 'install']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`installed: ${unitFile} (${ENABLE})\n`);
    expect(result.stdout).toMatch(/note: the systemd user manager has no SSH_AUTH_SOCK/);
    const unit = fs.readFileSync(unitFile, 'utf8');
    expect(unit).toContain(
      `ExecStart="${process.execPath}" "--initial-old-space-size=64" "--expose-gc" "--interrupt-budget=270336" "${BIN}" "__agent"\n`,
    );
    expect(unit).toContain(`Environment="TUNNEL_HOME=${cli.env.TUNNEL_HOME}"\n`);
    // The installing shell's PATH (stubs first), duplicates dropped.
    const searchPath = [...new Set(cli.env.PATH!.split(path.delimiter))].join(path.delimiter);
    expect(unit).toContain(`Environment="PATH=${searchPath}"\n`);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).not.toContain('SSH_AUTH_SOCK');
    expect(unit).not.toContain('secret-agent.sock');
    const once = ['systemctl --user daemon-reload', ENABLE, 'systemctl --user show-environment'];
    expect(calls()).toEqual(once);

    fs.writeFileSync(unitFile, 'stale');
    const again = await runCli(cli, ['agent', 'install']);
    expect(again.code).toBe(0);
    expect(fs.readFileSync(unitFile, 'utf8')).toBe(unit);
    expect(calls()).toEqual([...once, ...once]);
  });

  it('agent status says the item no longer starts the agent once the node it names is gone', async () => {
    const { cli, unitFile } = stubbedCli();
    expect((await runCli(cli, ['agent', 'install'])).code).toBe(0);
    const healthy = await runCli(cli, ['agent', 'status']);
    expect(healthy.stdout).toContain(`starts at login: yes (${unitFile})\n`);
    // What `brew upgrade node` leaves behind for an item that recorded linuxbrew's versioned keg.
    const gone = '/home/linuxbrew/.linuxbrew/Cellar/node/23.3.0/bin/node';
    const unit = fs.readFileSync(unitFile, 'utf8');
    fs.writeFileSync(unitFile, unit.replace(`ExecStart="${process.execPath}"`, `ExecStart="${gone}"`));
    const broken = await runCli(cli, ['agent', 'status']);
    expect(broken.code).toBe(0);
    expect(broken.stdout).toContain(
      `starts at login: no — the program ${gone} is gone (brew upgrade?); run: tunnel agent install\n`,
    );
    const json = JSON.parse((await runCli(cli, ['agent', 'status', '--json'])).stdout);
    expect(json.loginItem).toMatchObject({ installed: true, file: unitFile, fix: 'tunnel agent install' });
  });

  it('keeps the unit and explains with a hint when systemctl fails', async () => {
    const { cli, unitFile, calls } = stubbedCli({
      exitCode: 1,
      stderr: 'Failed to connect to bus: No medium found',
    });
    const result = await runCli(cli, ['agent', 'install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: wrote ${unitFile}, but \`${ENABLE}\` failed: Failed to connect to bus: No medium found`,
    );
    expect(result.stderr).toContain('hint: ');
    expect(result.stderr).toContain('loginctl enable-linger $USER');
    expect(fs.existsSync(unitFile)).toBe(true);
    expect(calls()).toEqual(['systemctl --user daemon-reload', ENABLE]);
  });

  it('says systemctl is missing when there is none on PATH, and keeps the unit', async () => {
    const { cli, unitFile } = stubbedCli({ noSystemctl: true });
    const result = await runCli(cli, ['agent', 'install']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`error: wrote ${unitFile}, but systemctl was not found`);
    expect(result.stderr).toMatch(/hint: .*does not run systemd/);
    expect(fs.existsSync(unitFile)).toBe(true);
  });

  it('uninstalls (disable --now, remove, reload); a second uninstall says it is not installed', async () => {
    const { cli, unitFile, calls } = stubbedCli();
    expect((await runCli(cli, ['agent', 'install'])).code).toBe(0);
    const installCalls = calls().length;
    const first = await runCli(cli, ['agent', 'uninstall']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(
      `uninstalled: removed ${unitFile} (systemctl --user disable --now tunnel-agent.service)\n`,
    );
    expect(fs.existsSync(unitFile)).toBe(false);
    expect(calls().slice(installCalls)).toEqual([
      'systemctl --user disable --now tunnel-agent.service',
      'systemctl --user daemon-reload',
    ]);
    const second = await runCli(cli, ['agent', 'uninstall']);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`not installed: ${unitFile} does not exist\n`);
    expect(calls()).toHaveLength(installCalls + 2);
  });
});

function hasTool(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('the rendered files, read by real parsers', () => {
  let odd = '';
  beforeEach(() => {
    odd = fs.mkdtempSync(path.join(os.tmpdir(), 'login item 100% $x & <y> "q" '));
  });
  afterEach(() => fs.rmSync(odd, { recursive: true, force: true }));

  const spec = (node: string): LoginItemSpec => ({
    programArguments: [node, path.join(odd, "it's bin", 'tunnel.js'), '__agent'],
    environment: [
      ['PATH', `${odd}:/usr/bin:/bin`],
      ['TUNNEL_HOME', `${odd}/state`],
    ],
    logsDir: path.join(odd, 'logs'),
  });

  it.runIf(hasTool('python3', ['-c', 'import plistlib']))(
    'the plist round-trips through plistlib',
    async () => {
      const file = path.join(odd, 'dev.tunnel.agent.plist');
      fs.writeFileSync(file, launchdPlist(spec('/usr/bin/node')));
      const script = 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))';
      const parsed = await run('python3', ['-c', script, file]);
      expect(parsed.stderr).toBe('');
      expect(JSON.parse(parsed.stdout)).toEqual({
        Label: 'dev.tunnel.agent',
        ProgramArguments: spec('/usr/bin/node').programArguments,
        RunAtLoad: true,
        KeepAlive: { SuccessfulExit: false },
        ProcessType: 'Interactive',
        EnvironmentVariables: { PATH: `${odd}:/usr/bin:/bin`, TUNNEL_HOME: `${odd}/state` },
        StandardOutPath: path.join(odd, 'logs', 'agent.stdout.log'),
        StandardErrorPath: path.join(odd, 'logs', 'agent.stdout.log'),
      });
      // `agent status` reads the arguments back with its own reader: it must agree with plistlib.
      expect(plistProgramArguments(fs.readFileSync(file, 'utf8'))).toEqual(
        JSON.parse(parsed.stdout).ProgramArguments,
      );
    },
  );

  // verify checks that ExecStart's program exists and is executable, after systemd's own unquoting and
  // %-specifier expansion: a wrongly quoted path with spaces, % and $ in it would not be found.
  it.runIf(hasTool('systemd-analyze', ['--version']))('systemd-analyze verify accepts the unit', async () => {
    // systemd forbids quotes and backslashes in the program's path (not in its arguments): keep them out.
    const nodeDir = path.join(odd, '..', `${path.basename(odd).replace(/["'\\]/g, '')} node 100% $v &`);
    fs.mkdirSync(nodeDir);
    cleanups.push(nodeDir);
    const node = path.join(nodeDir, 'my node');
    fs.writeFileSync(node, '#!/bin/sh\n', { mode: 0o755 });
    const unit = path.join(odd, 'tunnel-agent.service');
    fs.writeFileSync(unit, systemdUnit(spec(node)));
    const verified = await run('systemd-analyze', ['verify', '--man=no', unit]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    // The reader `agent status` uses gets back the very arguments systemd just accepted.
    expect(unitProgramArguments(fs.readFileSync(unit, 'utf8'))).toEqual(spec(node).programArguments);
    // The same check fails for a program that is not there, so the pass above means something.
    fs.writeFileSync(unit, systemdUnit(spec(`${node}-missing`)));
    const missing = await run('systemd-analyze', ['verify', '--man=no', unit]);
    expect(missing.stderr).toContain(`Command ${node}-missing is not executable`);
  });
});
