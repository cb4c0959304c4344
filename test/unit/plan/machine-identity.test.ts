import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareMachines,
  MACHINE_IDENTITY_SCRIPT,
  type MachineIdentity,
  parseMachineIdentity,
} from '../../../src/plan/machine-identity.js';

// Shaped as the script prints them: Linux boot_id (lowercase uuid) and the /proc/self/ns/net link;
// macOS `sysctl -n kern.bootsessionuuid` (uppercase uuid).
const HOST_NETNS = 'net:[4026531840]';
const linuxHost: MachineIdentity = {
  kernel: 'linux',
  boot: '3f1c8a52-7d0e-4c6b-9a1f-2e5d4b6c8a90',
  netns: HOST_NETNS,
};
const mac: MachineIdentity = { kernel: 'darwin', boot: '6B0B2C4E-91A3-4F7D-8E25-3C1D9F0A7B64' };

describe('parseMachineIdentity', () => {
  it('reads the line among what a chatty shell printed around it', () => {
    expect(parseMachineIdentity(`Welcome!\nlinux ${linuxHost.boot} ${HOST_NETNS}\n`)).toEqual(linuxHost);
    expect(parseMachineIdentity(`darwin ${mac.boot.toLowerCase()}\n`)).toEqual(mac);
  });

  it('a Linux without a readable netns link keeps the boot only; junk is no answer', () => {
    expect(parseMachineIdentity(`linux ${linuxHost.boot} \n`)).toEqual({
      kernel: 'linux',
      boot: linuxHost.boot,
    });
    expect(parseMachineIdentity('')).toBeUndefined();
    expect(parseMachineIdentity('fish: Unknown command: if\n')).toBeUndefined();
    expect(parseMachineIdentity(`linux ${linuxHost.boot} net:[1]; rm -rf /\n`)).toBeUndefined();
  });
});

describe('compareMachines', () => {
  it('the same kernel boot and network namespace is this machine', () => {
    expect(compareMachines(linuxHost, { ...linuxHost })).toBe('same');
    expect(compareMachines(mac, { ...mac })).toBe('same');
  });

  it.each([
    [
      'a Linux VM on a Mac (Lima, OrbStack)',
      mac,
      { kernel: 'linux', boot: linuxHost.boot, netns: HOST_NETNS },
    ],
    [
      'a VM on a Linux laptop (another boot id)',
      linuxHost,
      { ...linuxHost, boot: '0d2e4f60-8193-4a5b-bc7d-e9f001122334' },
    ],
    [
      'a container on the same kernel (docker -p 2222:22)',
      linuxHost,
      { ...linuxHost, netns: 'net:[4026532310]' },
    ],
  ] as const)('%s is another machine', (_name, local, remote) => {
    expect(compareMachines(local, remote)).toBe('other');
  });

  it('without an answer from either end, or a netns to compare, it is unknown (the guard stays)', () => {
    expect(compareMachines(linuxHost, undefined)).toBe('unknown');
    expect(compareMachines(undefined, linuxHost)).toBe('unknown');
    expect(compareMachines(linuxHost, { kernel: 'linux', boot: linuxHost.boot })).toBe('unknown');
  });
});

// A macOS dev server (or this Mac's agent) whose PATH is /usr/bin:/bin, as a non-interactive ssh
// session's often is: sysctl lives in /usr/sbin there. Reproduced on Linux in a private mount
// namespace: no /proc/sys/kernel/random (as on macOS) and a /usr/sbin/sysctl that answers as macOS's.
const canMount =
  process.platform === 'linux' && process.getuid?.() === 0 && fs.existsSync('/usr/sbin/sysctl');
describe.skipIf(!canMount)('the script on a macOS-shaped system', () => {
  it('finds /usr/sbin/sysctl without /usr/sbin on PATH', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-identity-'));
    try {
      const empty = path.join(dir, 'empty');
      fs.mkdirSync(empty);
      const sysctl = path.join(dir, 'sysctl');
      // macOS: `sysctl -n kern.bootsessionuuid` prints the uuid in upper case.
      fs.writeFileSync(sysctl, `#!/bin/sh\n[ "$*" = "-n kern.bootsessionuuid" ] && echo ${mac.boot}\n`, {
        mode: 0o755,
      });
      const setup = `mount --bind ${empty} /proc/sys/kernel/random && mount --bind ${sysctl} /usr/sbin/sysctl && PATH=/usr/bin:/bin exec /bin/sh -c "$0"`;
      const run = spawnSync('unshare', ['-m', '/bin/sh', '-c', setup, MACHINE_IDENTITY_SCRIPT], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(parseMachineIdentity(run.stdout)).toEqual(mac);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
