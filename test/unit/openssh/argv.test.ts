// The ssh command lines: the master carries the user's config and our keepalive and host-key policy;
// every other ssh only talks to the master (no config of the user's, no fallback connection).
import { describe, expect, it } from 'vitest';
import {
  controlArgs,
  execArgs,
  forwardSpec,
  loginOverrides,
  masterArgs,
  stdioForwardArgs,
} from '../../../src/openssh/argv.js';
import { sshTarget } from '../../builders.js';

const base = { configFile: '/c/config', controlPath: '/t/tun-x/m', canAnswer: true };
const options = (args: string[]) => args.filter((_, index) => args[index - 1] === '-o');

describe('masterArgs', () => {
  it('runs a master on our socket with the config, ending with the alias', () => {
    const args = masterArgs(sshTarget({ alias: 'devserver' }), {
      ...base,
      hostKeyPolicy: { acceptNewHostKey: false },
    });
    expect(args.slice(0, 7)).toEqual(['-F', '/c/config', '-M', '-S', '/t/tun-x/m', '-N', '-T']);
    expect(args.slice(-2)).toEqual(['--', 'devserver']);
    expect(options(args)).toEqual([
      'ControlPersist=no',
      'ClearAllForwardings=yes',
      'ForkAfterAuthentication=no',
      'RemoteCommand=none',
      'LogLevel=INFO',
      'ServerAliveInterval=3',
      'ServerAliveCountMax=3',
      'BatchMode=no',
    ]);
  });

  it("keeps the user's keepalive when it is more eager, and shortens a slower one", () => {
    const policy = { acceptNewHostKey: false };
    const eager = masterArgs(sshTarget({ serverAliveIntervalSeconds: 1, serverAliveCountMax: 5 }), {
      ...base,
      hostKeyPolicy: policy,
    });
    expect(options(eager)).toContain('ServerAliveInterval=1');
    expect(options(eager)).toContain('ServerAliveCountMax=5');
    const slow = masterArgs(sshTarget({ serverAliveIntervalSeconds: 60, serverAliveCountMax: 10 }), {
      ...base,
      hostKeyPolicy: policy,
    });
    expect(options(slow)).toContain('ServerAliveInterval=3');
    expect(options(slow)).toContain('ServerAliveCountMax=3');
  });

  it('maps the host-key policy onto StrictHostKeyChecking; unattended wins', () => {
    const strict = (hostKeyPolicy: { acceptNewHostKey: boolean; unattended?: boolean }) =>
      options(masterArgs(sshTarget(), { ...base, hostKeyPolicy })).filter((o) =>
        o.startsWith('StrictHostKeyChecking'),
      );
    expect(strict({ acceptNewHostKey: false })).toEqual([]);
    expect(strict({ acceptNewHostKey: true })).toEqual(['StrictHostKeyChecking=accept-new']);
    expect(strict({ acceptNewHostKey: true, unattended: true })).toEqual(['StrictHostKeyChecking=yes']);
  });

  it("makes the target's own StrictHostKeyChecking no accept-new: a changed key is refused before login", () => {
    const strict = (hostKeyPolicy: { acceptNewHostKey: boolean; unattended?: boolean }) =>
      options(masterArgs(sshTarget({ strictHostKeyChecking: 'no' }), { ...base, hostKeyPolicy })).filter(
        (o) => o.startsWith('StrictHostKeyChecking'),
      );
    expect(strict({ acceptNewHostKey: false })).toEqual(['StrictHostKeyChecking=accept-new']);
    expect(strict({ acceptNewHostKey: false, unattended: true })).toEqual(['StrictHostKeyChecking=yes']);
  });

  it('records no host keys (UpdateHostKeys no) for an unattended master or one that must record nothing', () => {
    const update = (hostKeyPolicy: { acceptNewHostKey: boolean; unattended?: boolean; record?: boolean }) =>
      options(masterArgs(sshTarget(), { ...base, hostKeyPolicy })).filter((o) =>
        o.startsWith('UpdateHostKeys'),
      );
    expect(update({ acceptNewHostKey: false })).toEqual([]);
    expect(update({ acceptNewHostKey: false, unattended: true })).toEqual(['UpdateHostKeys=no']);
    expect(update({ acceptNewHostKey: false, record: false })).toEqual(['UpdateHostKeys=no']);
  });

  it('leaves BatchMode yes alone, and turns off password prompts nobody can answer', () => {
    const batch = masterArgs(sshTarget({ batchMode: true }), {
      ...base,
      hostKeyPolicy: { acceptNewHostKey: false },
    });
    expect(options(batch).filter((o) => o.startsWith('BatchMode'))).toEqual([]);
    const silent = masterArgs(sshTarget(), {
      ...base,
      canAnswer: false,
      hostKeyPolicy: { acceptNewHostKey: false },
    });
    expect(options(silent)).toContain('PasswordAuthentication=no');
    expect(options(silent)).toContain('KbdInteractiveAuthentication=no');
  });

  it('passes no -F when the session names no config file', () => {
    const args = masterArgs(sshTarget(), {
      ...base,
      configFile: undefined,
      hostKeyPolicy: { acceptNewHostKey: false },
    });
    expect(args[0]).toBe('-M');
  });
});

describe('loginOverrides (what every ProxyJump hop gets too)', () => {
  it('is the host-key policy, UpdateHostKeys and the answerable methods, never a per-target mapping', () => {
    expect(loginOverrides({ hostKeyPolicy: { acceptNewHostKey: false }, canAnswer: true })).toEqual([]);
    expect(
      loginOverrides({ hostKeyPolicy: { acceptNewHostKey: false, unattended: true }, canAnswer: false }),
    ).toEqual([
      ['StrictHostKeyChecking', 'yes'],
      ['UpdateHostKeys', 'no'],
      ['PasswordAuthentication', 'no'],
      ['KbdInteractiveAuthentication', 'no'],
    ]);
    expect(loginOverrides({ hostKeyPolicy: { acceptNewHostKey: true }, canAnswer: true })).toEqual([
      ['StrictHostKeyChecking', 'accept-new'],
    ]);
  });
});

describe('commands through the master', () => {
  it('never read the user config and cannot fall back to a connection of their own', () => {
    for (const args of [
      controlArgs('/s/m', 'check'),
      execArgs('/s/m', 'echo hi'),
      stdioForwardArgs('/s/m', '::1', 1),
    ]) {
      expect(args.slice(0, 4)).toEqual(['-F', '/dev/null', '-S', '/s/m']);
      expect(options(args)).toEqual(['ControlMaster=no', 'ProxyCommand=false']);
    }
    expect(execArgs('/s/m', "echo 'a b'").slice(-2)).toEqual(['tunnel-master', "echo 'a b'"]);
    expect(stdioForwardArgs('/s/m', '::1', 1)).toContain('[::1]:1');
  });

  it('writes forwards as socket:host:port, IPv6 in brackets', () => {
    expect(forwardSpec('/t/f1', '127.0.0.1', 6443)).toBe('/t/f1:127.0.0.1:6443');
    expect(forwardSpec('/t/f2', 'fd00::1', 80)).toBe('/t/f2:[fd00::1]:80');
  });
});
