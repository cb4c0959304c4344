// The "dev server is this machine" guard (a forward must not listen on the port it forwards to) asks
// both ends which kernel boot and network namespace they run in when the SSH peer is a local address.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { localMachineIdentity } from '../../../src/local/machine-identity.js';
import { isThisMachine } from '../../../src/plan/local-host.js';
import { type MachineIdentity, parseMachineIdentity } from '../../../src/plan/machine-identity.js';
import { devServerIsThisMachine, type SelfForwardChecks } from '../../../src/session/self-forward.js';
import type { ExecResult } from '../../../src/ssh/types.js';

const mac: MachineIdentity = { kernel: 'darwin', boot: '6B0B2C4E-91A3-4F7D-8E25-3C1D9F0A7B64' };
const limaVm = 'linux 9e0f6a1b-2c3d-4e5f-8a7b-6c5d4e3f2a10 net:[4026531840]\n';

/** A link whose remote shell prints `stdout` (what the dev server answers); records each script. */
function link(remoteAddress: string | undefined, stdout: string | (() => string)) {
  const scripts: string[] = [];
  return {
    scripts,
    remoteAddress,
    execShell: async (script: string): Promise<ExecResult> => {
      scripts.push(script);
      return {
        stdout: typeof stdout === 'string' ? stdout : stdout(),
        stderr: '',
        code: 0,
        signal: undefined,
      };
    },
  };
}

const onMac = (overrides: Partial<SelfForwardChecks> = {}): SelfForwardChecks => ({
  local: async () => mac,
  remote: async (ssh) => parseMachineIdentity((await ssh.execShell('')).stdout),
  isThisMachine: (address) => isThisMachine(address, {}),
  ...overrides,
});

describe('devServerIsThisMachine', () => {
  it('Lima at 127.0.0.1:60022 (and OrbStack at 127.0.0.1:32222): a Linux VM, not this Mac', async () => {
    expect(await devServerIsThisMachine(link('127.0.0.1', limaVm), onMac())).toBe(false);
  });

  it("a Mac's own sshd at localhost:22 (Remote Login) is still caught", async () => {
    const ownSshd = link('::1', `darwin ${mac.boot}\n`);
    expect(await devServerIsThisMachine(ownSshd, onMac())).toBe(true);
  });

  it('a dev server that does not answer (a restricted shell, a failed exec) keeps the guard', async () => {
    expect(await devServerIsThisMachine(link('127.0.0.1', 'This account is restricted.\n'), onMac())).toBe(
      true,
    );
    const failing = onMac({ remote: async () => undefined });
    expect(await devServerIsThisMachine(link('127.0.0.1', ''), failing)).toBe(true);
  });

  it('a dev server at another address is never asked', async () => {
    const remote = link('192.0.2.10', limaVm);
    expect(await devServerIsThisMachine(remote, onMac())).toBe(false);
    expect(remote.scripts).toEqual([]);
    expect(await devServerIsThisMachine(link(undefined, limaVm), onMac())).toBe(false);
  });

  // The real script on both ends of a loopback connection to this machine's own sshd: the remote shell
  // is this machine's /bin/sh, as `tunnel connect localhost` would get.
  it.skipIf(process.platform !== 'linux' && process.platform !== 'darwin')(
    "this machine's own sshd at localhost:22, with the real script on both ends, is caught",
    async () => {
      const ownSshd = {
        remoteAddress: '127.0.0.1',
        execShell: async (script: string): Promise<ExecResult> => {
          const run = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
          return { stdout: run.stdout, stderr: run.stderr, code: run.status, signal: undefined };
        },
      };
      expect(await localMachineIdentity()).toMatchObject({ kernel: process.platform });
      expect(await devServerIsThisMachine(ownSshd)).toBe(true);
    },
  );
});
