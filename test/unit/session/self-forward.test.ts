// The "dev server is this machine" guard (a forward must not listen on the port it forwards to) asks
// both ends which kernel boot and network namespace they run in when the SSH peer is a local address.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { localMachineIdentity } from '../../../src/local/machine-identity.js';
import { findPortOwner } from '../../../src/local/port-owner.js';
import { isThisMachine } from '../../../src/plan/local-host.js';
import { type MachineIdentity, parseMachineIdentity } from '../../../src/plan/machine-identity.js';
import {
  cachedSelfForwardCheck,
  devServerIsThisMachine,
  type SelfForwardChecks,
} from '../../../src/session/self-forward.js';
import type { ExecResult, SshTarget } from '../../../src/ssh/types.js';

const mac: MachineIdentity = { kernel: 'darwin', boot: '6B0B2C4E-91A3-4F7D-8E25-3C1D9F0A7B64' };
const limaVm = 'linux 9e0f6a1b-2c3d-4e5f-8a7b-6c5d4e3f2a10 net:[4026531840]\n';

/** A link to port `port` whose remote shell prints `stdout` (what the dev server answers). */
function link(remoteAddress: string | undefined, stdout: string | (() => string), port = 60022) {
  const scripts: string[] = [];
  return {
    scripts,
    remoteAddress,
    target: { port } as SshTarget,
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

const LSOF_HEADER = 'COMMAND     PID USER   FD   TYPE             DEVICE SIZE/OFF NODE NAME\n';
/** `lsof -nP -iTCP:<port> -sTCP:LISTEN` on a Mac, as the user: one listener line, or none visible. */
const LSOF = {
  lima: `${LSOF_HEADER}limactl   4242   me   14u  IPv4 0x5b3a1f2c9d8e7a41      0t0  TCP 127.0.0.1:60022 (LISTEN)\n`,
  orbstack: `${LSOF_HEADER}OrbStack\\x20  3001   me   31u  IPv4 0x5b3a1f2c9d8e7b52      0t0  TCP 127.0.0.1:32222 (LISTEN)\n`,
  sshForward: `${LSOF_HEADER}ssh       5150   me    5u  IPv4 0x5b3a1f2c9d8e7c63      0t0  TCP 127.0.0.1:2222 (LISTEN)\n`,
  // Remote Login: launchd (pid 1, root) holds port 22 and starts sshd per connection; lsof run by a
  // user does not list root's sockets, so it prints nothing and exits 1. As root it names launchd.
  remoteLoginAsUser: '',
  remoteLoginAsRoot: `${LSOF_HEADER}launchd      1 root   44u  IPv6 0x5b3a1f2c9d8e7d74      0t0  TCP *:22 (LISTEN)\n`,
  otherUsersSshd: `${LSOF_HEADER}sshd      8080 root    3u  IPv4 0x5b3a1f2c9d8e7e85      0t0  TCP *:22 (LISTEN)\n`,
};
const COMMAND_LINES = new Map<number, string>([
  [
    4242,
    'limactl hostagent --pidfile /Users/me/.lima/default/ha.pid --socket /Users/me/.lima/default/ha.sock default',
  ],
  [3001, '/Applications/OrbStack.app/Contents/Frameworks/OrbStack Helper.app/Contents/MacOS/OrbStack Helper'],
  [5150, 'ssh -N -L 2222:devbox.internal:22 bastion'],
  [1, '/sbin/launchd'],
  [8080, '/usr/sbin/sshd -D'],
]);

/** This Mac, whose lsof prints `lsof` for the SSH port. */
const onMac = (overrides: Partial<SelfForwardChecks> = {}, lsof = LSOF.lima): SelfForwardChecks => ({
  local: async () => mac,
  remote: async (ssh) => parseMachineIdentity((await ssh.execShell('')).stdout),
  isThisMachine: (address) => isThisMachine(address, {}),
  portOwner: (port) =>
    findPortOwner(port, {
      platform: 'darwin',
      run: async () => lsof,
      commandLineOf: async (pid) => COMMAND_LINES.get(pid),
    }),
  ...overrides,
});

describe('devServerIsThisMachine', () => {
  it('Lima at 127.0.0.1:60022, OrbStack at 127.0.0.1:32222, an ssh -L to another host: not this Mac', async () => {
    expect(await devServerIsThisMachine(link('127.0.0.1', limaVm), onMac())).toBe(false);
    const orb = link('127.0.0.1', limaVm, 32222);
    expect(await devServerIsThisMachine(orb, onMac({}, LSOF.orbstack))).toBe(false);
    const bastion = link('127.0.0.1', limaVm, 2222);
    expect(await devServerIsThisMachine(bastion, onMac({}, LSOF.sshForward))).toBe(false);
  });

  // Another local user's account at localhost, whose ~/.profile prints a forged identity first: the
  // answer says "another machine", but the port is this Mac's own sshd, so the guard stays on.
  it.each([
    ['lsof as the user sees no owner (launchd is root)', LSOF.remoteLoginAsUser],
    ['lsof as root names launchd', LSOF.remoteLoginAsRoot],
    ['lsof as root names sshd', LSOF.otherUsersSshd],
  ])('a forged answer from an account on this Mac keeps the guard: %s', async (_name, lsof) => {
    const forged = link('127.0.0.1', `${limaVm}darwin ${mac.boot}\n`, 22);
    expect(await devServerIsThisMachine(forged, onMac({}, lsof))).toBe(true);
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

  // Each reconnect of a session would otherwise wait for the dev server's shell again, and a flaky
  // answer would flip the guard for the forwards planned after it.
  it('a session keeps the first definite verdict; an unanswered one is asked again', async () => {
    const answers = [limaVm, 'This account is restricted.\n', limaVm];
    const flaky = link('127.0.0.1', () => answers.shift() ?? '');
    const check = cachedSelfForwardCheck(onMac());
    expect(await check(flaky)).toBe(false);
    expect(await check(flaky)).toBe(false);
    expect(flaky.scripts).toHaveLength(1);
    const silentFirst = link('127.0.0.1', () => answers.shift() ?? '');
    answers.splice(0, answers.length, '', limaVm);
    const again = cachedSelfForwardCheck(onMac());
    expect(await again(silentFirst)).toBe(true);
    expect(await again(silentFirst)).toBe(false);
    expect(await again(silentFirst)).toBe(false);
    expect(silentFirst.scripts).toHaveLength(2);
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
        target: { port: 22 } as SshTarget,
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
