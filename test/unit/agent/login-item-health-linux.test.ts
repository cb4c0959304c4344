// The login item's health on Linux: the systemd unit tunnel wrote is read back through systemd's
// quoting, and both programs it names must still exist (systemd itself is never asked).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type LoginItemHealthInput,
  loginItemHealth,
  loginItemLine,
  unitProgramArguments,
} from '../../../src/agent/login-item-health.js';
import { systemdUnit } from '../../../src/agent/login-item-render.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-login-health-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('loginItemHealth on Linux', () => {
  function systemdInput(node: string, present: string[]): LoginItemHealthInput {
    const file = path.join(dir, 'tunnel-agent.service');
    const args = [node, '--expose-gc', '/home/me/100% $HOME "x"/tunnel.js', '__agent'];
    fs.writeFileSync(file, systemdUnit({ programArguments: args, environment: [], logsDir: '/l' }));
    return {
      platform: 'linux',
      paths: { manager: 'systemd', file, logsDir: '/l', agentEnv: [] },
      uid: 1000,
      exists: (candidate) => present.includes(candidate),
      run: async () => {
        throw new Error('systemd is not asked');
      },
    };
  }

  it('reads the unit back through systemd quoting and checks both programs', async () => {
    const node = '/home/linuxbrew/.linuxbrew/opt/node/bin/node';
    const script = '/home/me/100% $HOME "x"/tunnel.js';
    const input = systemdInput(node, [node, script]);
    expect(await loginItemHealth(input)).toEqual({
      installed: true,
      file: input.paths?.file,
      manager: 'systemd',
    });
    const unit = fs.readFileSync(path.join(dir, 'tunnel-agent.service'), 'utf8');
    expect(unitProgramArguments(unit)).toEqual([node, '--expose-gc', script, '__agent']);
  });

  it('says which linuxbrew Cellar node is gone', async () => {
    const node = '/home/linuxbrew/.linuxbrew/Cellar/node/23.3.0/bin/node';
    const health = await loginItemHealth(systemdInput(node, ['/home/me/100% $HOME "x"/tunnel.js']));
    expect(health?.problem).toBe(`the program ${node} is gone (brew upgrade?)`);
  });

  it('says not installed when there is no unit', async () => {
    const input = systemdInput('/usr/bin/node', []);
    fs.rmSync(input.paths!.file);
    const health = await loginItemHealth(input);
    expect(health?.installed).toBe(false);
    expect(loginItemLine(health!)).toBe('starts at login: no (tunnel agent install)');
  });
});
