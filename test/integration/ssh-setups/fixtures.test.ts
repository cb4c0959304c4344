// Each setup proven with the real OpenSSH client first: `ssh -F <config> <alias> true` logs in as the setup
// intends (the sshd log and `ssh -v` say how), answers come from SSH_ASKPASS, and a wrong answer is refused.
// If these fail, the tunnel-level suites beside this file test nothing.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../devserver/client.js';
import { isRoot } from '../../devserver/netns.js';
import { GOOD_PASSWORD } from './fixture.js';
import { type Setup, type SetupName, startSetup } from './setups.js';

const running: Setup[] = [];
afterEach(async () => {
  for (const setup of running.splice(0)) await setup.stop();
});

async function setup(name: SetupName): Promise<Setup> {
  const started = await startSetup(name);
  running.push(started);
  return started;
}

/** `ssh -v -F <config> <alias> true`, stdin /dev/null, answers from the askpass script only. */
function ssh(setup: Setup, command = 'true') {
  const env = { PATH: process.env.PATH, HOME: setup.client.dir, ...setup.client.askpassEnv() };
  return run('ssh', ['-v', '-F', setup.sshConfigFile, setup.alias, command], 30_000, env);
}

const log = (file: string) => fs.readFileSync(file, 'utf8');

describe.runIf(isRoot())('the SSH setups, through the real ssh client', () => {
  it.each(['user-ca', 'user-ca-certfile'] as const)(
    '%s: the user certificate logs in (no authorized key)',
    async (name) => {
      const s = await setup(name);
      const result = await ssh(s);
      expect(result.code, result.stderr).toBe(0);
      expect(log(s.devserver.sshd.logFile)).toMatch(/Accepted publickey for \S+ from .* ED25519-CERT/);
      expect(s.client.asked()).toEqual([]);
    },
  );

  it('host-cert: the host certificate is checked against the @cert-authority line', async () => {
    const s = await setup('host-cert');
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Server host certificate: ssh-ed25519-cert-v01@openssh.com');
    expect(result.stderr).toMatch(/Host '[\d.]+' is known and matches the ED25519-CERT host certificate/);
  });

  it('otp: publickey, then the one-time code through PAM keyboard-interactive', async () => {
    const s = await setup('otp');
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(log(s.devserver.sshd.logFile)).toMatch(/Accepted keyboard-interactive\/pam for \S+ .*ssh2/);
    expect(s.client.asked()).toEqual([`(${s.devserver.user}@${s.devserver.host}) Password: `]);
    s.client.answer('000000');
    const wrong = await ssh(s);
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toContain('Permission denied (keyboard-interactive)');
    // NumberOfPasswordPrompts (default 3): asked three times, then refused.
    expect(s.client.asked()).toHaveLength(4);
  });

  it('password: password only, checked by PAM', async () => {
    const s = await setup('password');
    s.client.answer(GOOD_PASSWORD);
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(log(s.devserver.sshd.logFile)).toMatch(/Accepted password for \S+ /);
    expect(s.client.asked()).toEqual([`${s.devserver.user}@${s.devserver.host}'s password: `]);
    s.client.answer('wrong password');
    const wrong = await ssh(s);
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toContain('Permission denied (password)');
    expect(s.client.asked()).toHaveLength(4);
  });

  it('pq-kex: the server allows only sntrup761x25519', async () => {
    const s = await setup('pq-kex');
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('kex: algorithm: sntrup761x25519-sha512@openssh.com');
  });

  it('hostkeyalias: port 2022, known_hosts names the bare alias', async () => {
    const s = await setup('hostkeyalias');
    expect(s.devserver.port).toBe(2022);
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain("Host 'devbox.internal' is known and matches the ED25519 host key");
  });

  it('fdpass: the ProxyCommand hands ssh a connected socket (ProxyUseFdpass)', async () => {
    const s = await setup('fdpass');
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Executing proxy dialer command: exec python3 .*fdpass\.py/);
  });

  it('bastion: ProxyJump through a jump host that wants a one-time code', async () => {
    const s = await setup('bastion');
    const result = await ssh(s);
    expect(result.code, result.stderr).toBe(0);
    expect(log(s.bastion!.logFile)).toMatch(/Accepted keyboard-interactive\/pam for /);
    expect(log(s.devserver.sshd.logFile)).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);
    expect(s.client.asked()).toEqual([`(${s.devserver.user}@${s.bastion!.host}) Password: `]);
    s.client.answer('000000');
    const wrong = await ssh(s);
    expect(wrong.code).toBe(255);
  });
});
