import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { assertSafeAlias, parseSshG, resolveTarget } from '../../../src/ssh/ssh-config.js';
import type { LocalContext } from '../../../src/ssh/tokens.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/ssh/ssh-g');
const captured = JSON.parse(fs.readFileSync(path.join(fixtures, 'context.json'), 'utf8'));
// The context ssh ran in when the fixtures were captured (its expansions are baked into them).
const local: LocalContext = {
  homeDir: captured.homeDir,
  localUser: captured.localUser,
  uid: captured.uid,
  localHostName: captured.localHostName,
  env: captured.env,
};
const fixture = (alias: string) => fs.readFileSync(path.join(fixtures, `${alias}.txt`), 'utf8');

describe('parseSshG on captured `ssh -G` output', () => {
  it('devserver: tokens, repeated identityfile, several known_hosts files, proxyjump kept raw', () => {
    const target = parseSshG(fixture('devserver'), 'devserver', local);
    expect(target).toMatchObject({
      alias: 'devserver',
      hostName: '10.0.0.5',
      user: 'alice',
      port: 2222,
      identitiesOnly: true,
      identityAgent: '/root/.ssh/agent-root.sock',
      globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'],
      strictHostKeyChecking: 'accept-new',
      hashKnownHosts: true,
      hostKeyAlias: 'devbox',
      connectTimeoutSeconds: 7,
      serverAliveIntervalSeconds: 15,
      serverAliveCountMax: 4,
      proxyJump: 'bob@jump.example.com:2200,jump2',
      proxyCommand: undefined,
    });
    // ssh expanded %C itself in the last known_hosts path: our %C must be the same hash.
    const sshHash = target.userKnownHostsFiles[3]?.replace('/tmp/kh_', '');
    expect(sshHash).toMatch(/^[0-9a-f]{40}$/);
    expect(target.userKnownHostsFiles).toEqual([
      '/root/.ssh/known_hosts_dev',
      '/etc/ssh/kh_10.0.0.5',
      '/root/kh2',
      `/tmp/kh_${sshHash}`,
    ]);
    expect(target.identityFiles).toEqual([
      '/root/.ssh/id_dev',
      '/root/.ssh/id_10.0.0.5_alice_2222',
      `/keys/devserver-${sshHash}`,
    ]);
  });

  it('hostkeyalgorithms: the list ssh printed, in its order (certificate types first, as ssh -G prints them)', () => {
    const target = parseSshG(fixture('plain'), 'plain', local);
    expect(target.hostKeyAlgorithms?.[0]).toBe('ssh-ed25519-cert-v01@openssh.com');
    expect(target.hostKeyAlgorithms?.slice(-2)).toEqual(['rsa-sha2-512', 'rsa-sha2-256']);
    const custom = parseSshG(
      'hostname h\nuser u\nhostkeyalgorithms ecdsa-sha2-nistp256,ssh-rsa\n',
      'h',
      local,
    );
    expect(custom.hostKeyAlgorithms).toEqual(['ecdsa-sha2-nistp256', 'ssh-rsa']);
    expect(parseSshG('hostname h\nuser u\n', 'h', local).hostKeyAlgorithms).toBeUndefined();
  });

  it('plain: OpenSSH defaults (default identity files listed, ask, no timeout, SSH_AUTH_SOCK agent)', () => {
    const target = parseSshG(fixture('plain'), 'plain', local);
    expect(target.hostName).toBe('plain.example.com');
    expect(target.port).toBe(22);
    expect(target.user).toBe('root');
    expect(target.identityFiles).toContain('/root/.ssh/id_ed25519');
    expect(target.identityFiles).toHaveLength(7);
    expect(target.strictHostKeyChecking).toBe('ask');
    expect(target.connectTimeoutSeconds).toBeUndefined();
    expect(target.serverAliveIntervalSeconds).toBe(0);
    expect(target.identityAgent).toBe('/tmp/agent.sock');
    expect(target.proxyJump).toBeUndefined();
    expect(target.hostKeyAlias).toBeUndefined();
  });

  it('viaproxy: ProxyCommand kept, StrictHostKeyChecking no printed as false, agent and files "none"', () => {
    const target = parseSshG(fixture('viaproxy'), 'viaproxy', local);
    expect(target.proxyCommand).toBe('ssh -W %h:%p bastion');
    expect(target.strictHostKeyChecking).toBe('no');
    expect(target.identityAgent).toBeUndefined();
    expect(target.identityFiles).toEqual([]);
  });

  it('strict: yes printed as true, env variables, %%, %L %l %i %k, lowercased hostname, connecttimeout 0', () => {
    const target = parseSshG(fixture('strict'), 'strict', local);
    expect(target.strictHostKeyChecking).toBe('yes');
    expect(target.hostName).toBe('strict.example.com');
    expect(target.identityAgent).toBe('/tmp/agent.sock');
    expect(target.identityFiles).toEqual(['/root/.ssh/id_env', '%literal/vm/vm/0/strict']);
    expect(target.connectTimeoutSeconds).toBeUndefined();
    expect(target.hashKnownHosts).toBe(false);
  });

  it('jumpuri: ssh:// normalised by ssh, off = no, IdentityAgent $VAR', () => {
    const target = parseSshG(fixture('jumpuri'), 'jumpuri', local);
    expect(target.proxyJump).toBe('carol@gateway.example:33');
    expect(target.strictHostKeyChecking).toBe('no');
    expect(target.identityAgent).toBe('/run/my-agent');
  });

  it('drops an IdentityFile naming an unset variable (as OpenSSH does) but fails on unknown tokens', () => {
    const base = 'hostname h\nuser u\nport 22\n';
    const env = { ...local, env: {} };
    expect(parseSshG(`${base}identityfile \${NOPE}/k\nidentityfile /k2\n`, 'h', env).identityFiles).toEqual([
      '/k2',
    ]);
    expect(() => parseSshG(`${base}identityfile /k%Z\n`, 'h', env)).toThrow(TunnelError);
    expect(parseSshG(base, 'h', env).identityAgent).toBeUndefined();
  });

  it('refuses output without hostname or with a bad number', () => {
    expect(() => parseSshG('user u\n', 'x', local)).toThrow(/no hostname/);
    expect(() => parseSshG('hostname h\nuser u\nport abc\n', 'x', local)).toThrow(/port/);
  });
});

describe('assertSafeAlias', () => {
  it.each(['-oProxyCommand=touch /tmp/x', '-F', 'a b', 'a\tb', 'a\nb', '', 'x\u0000y', 'x\u007f'])(
    'rejects %j',
    (alias) => {
      expect(() => assertSafeAlias(alias)).toThrow(UsageError);
    },
  );
  it.each(['devserver', 'alice@10.0.0.5', 'host-1.example', 'h:2222'])('accepts %j', (alias) => {
    expect(() => assertSafeAlias(alias)).not.toThrow();
  });
});

describe('resolveTarget with the real ssh', () => {
  it('resolves a fixture alias through `ssh -G -F`', async () => {
    const target = await resolveTarget('devserver', { configFile: path.join(fixtures, 'config') });
    expect(target).toMatchObject({ hostName: '10.0.0.5', port: 2222, user: 'alice', hostKeyAlias: 'devbox' });
  });

  it('accepts an ssh://user@host:port target, as the docs and the -p hint say (OpenSSH 7.7 and later)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-sshg-'));
    try {
      const configFile = path.join(dir, 'config');
      fs.writeFileSync(configFile, '');
      const target = await resolveTarget('ssh://bob@dev.example.com:2222', { configFile });
      expect(target).toMatchObject({ alias: 'ssh://bob@dev.example.com:2222', hostName: 'dev.example.com' });
      expect(target).toMatchObject({ user: 'bob', port: 2222 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an option-looking alias before running anything', async () => {
    await expect(resolveTarget('-oProxyCommand=id')).rejects.toBeInstanceOf(UsageError);
  });

  it('reports ssh failing with its stderr as SSH_CONFIG', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-sshg-'));
    try {
      const configFile = path.join(dir, 'config');
      fs.writeFileSync(configFile, 'Host x\n  NoSuchOption yes\n');
      const error = await resolveTarget('x', { configFile }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TunnelError);
      expect((error as TunnelError).code).toBe('SSH_CONFIG');
      expect((error as TunnelError).message).toMatch(/Bad configuration option|nosuchoption/i);
      expect((error as TunnelError).hint).toMatch(/ssh -G x/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing ssh binary as SSH_CONFIG with an install hint', async () => {
    const error = await resolveTarget('x', { env: { PATH: '/nonexistent' } }).catch(
      (caught: unknown) => caught,
    );
    expect((error as TunnelError).code).toBe('SSH_CONFIG');
    expect((error as TunnelError).message).toBe('`ssh -G -- x` could not run: ssh was not found on PATH');
    expect((error as TunnelError).hint).toMatch(/openssh-client/);
  });
});
