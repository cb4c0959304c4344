import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.js';
import { type LimitsIo, privateKeyType, ssh2Limits } from '../../../src/ssh/ssh2-limits.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const HOME = '/home/me';
// A real ed25519 public key blob (type + 32 bytes) in known_hosts form.
const ED25519 = `ssh-ed25519 ${Buffer.concat([
  Buffer.from([0, 0, 0, 11]),
  Buffer.from('ssh-ed25519'),
  Buffer.from([0, 0, 0, 32]),
  Buffer.alloc(32, 7),
]).toString('base64')}`;

/** Files in memory: path → text. */
function memoryIo(files: Record<string, string>): LimitsIo {
  return {
    homeDir: HOME,
    readHead: async (file, max) =>
      files[file] === undefined ? undefined : Buffer.from(files[file]).subarray(0, max),
    loadKnownHosts: async (names) => ({
      entries: names.flatMap((name) => (files[name] ? parseKnownHosts(files[name], name).entries : [])),
    }),
  };
}

const base = (overrides: Partial<SshTarget> = {}) =>
  sshTarget({
    identityFiles: [`${HOME}/.ssh/id_ed25519`, `${HOME}/.ssh/id_ed25519_sk`],
    userKnownHostsFiles: [`${HOME}/.ssh/known_hosts`],
    globalKnownHostsFiles: ['/etc/ssh/ssh_known_hosts'],
    ...overrides,
  });

describe('ssh2Limits', () => {
  it('finds nothing for a plain setup (default identity files absent, plain known_hosts line)', async () => {
    const io = memoryIo({ [`${HOME}/.ssh/known_hosts`]: `dev.example ${ED25519}\n` });
    expect(await ssh2Limits(base(), io)).toEqual([]);
  });

  it('names a CertificateFile that exists and a -cert.pub beside an IdentityFile', async () => {
    const io = memoryIo({
      [`${HOME}/.ssh/vault-cert.pub`]: 'ssh-ed25519-cert-v01@openssh.com AAAA',
      [`${HOME}/.ssh/id_ed25519-cert.pub`]: 'ssh-ed25519-cert-v01@openssh.com AAAA',
    });
    const target = base({
      certificateFiles: [`${HOME}/.ssh/vault-cert.pub`, `${HOME}/.ssh/absent-cert.pub`],
    });
    expect(await ssh2Limits(target, io)).toEqual([
      'CertificateFile ~/.ssh/vault-cert.pub: ssh2 cannot log in with certificates',
      'certificate ~/.ssh/id_ed25519-cert.pub beside IdentityFile ~/.ssh/id_ed25519: ssh2 cannot log in with certificates',
    ]);
  });

  it('names a security-key IdentityFile by its .pub type, without any key material', async () => {
    const io = memoryIo({
      [`${HOME}/.ssh/id_ed25519_sk.pub`]:
        'sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t me@laptop',
    });
    const reasons = await ssh2Limits(base(), io);
    expect(reasons).toEqual([
      'IdentityFile ~/.ssh/id_ed25519_sk is a security key (sk-ssh-ed25519@openssh.com): ssh2 cannot use FIDO keys',
    ]);
    expect(reasons.join()).not.toContain('AAAA');
  });

  it('names an algorithm option ssh2 supports nothing of', async () => {
    const target = base({ kexAlgorithms: ['sntrup761x25519-sha512@openssh.com'] });
    expect(await ssh2Limits(target, memoryIo({}))).toEqual([
      'KexAlgorithms sntrup761x25519-sha512@openssh.com for dev: ssh2 supports none of these',
    ]);
  });

  it('names ProxyUseFdpass (with a ProxyCommand) and GSSAPIAuthentication', async () => {
    const target = base({
      proxyCommand: 'orb ssh-proxy-fdpass',
      proxyUseFdpass: true,
      gssapiAuthentication: true,
    });
    expect(await ssh2Limits(target, memoryIo({}))).toEqual([
      'ProxyUseFdpass yes: ssh2 cannot take a connection handed over by the ProxyCommand',
      'GSSAPIAuthentication yes: ssh2 has no Kerberos/GSSAPI login',
    ]);
    // Without a ProxyCommand OpenSSH ignores fdpass; GSSAPI left out of PreferredAuthentications is never tried.
    const quiet = base({
      proxyUseFdpass: true,
      gssapiAuthentication: true,
      preferredAuthentications: ['publickey'],
    });
    expect(await ssh2Limits(quiet, memoryIo({}))).toEqual([]);
  });

  it('names a host known only through @cert-authority lines; a plain key line for it is enough for ssh2', async () => {
    const caOnly = `@cert-authority *.example ${ED25519}\nother.example ${ED25519}\n`;
    expect(await ssh2Limits(base(), memoryIo({ '/etc/ssh/ssh_known_hosts': caOnly }))).toEqual([
      'known_hosts trusts dev.example only through @cert-authority lines: ssh2 cannot verify host certificates',
    ]);
    const both = memoryIo({
      '/etc/ssh/ssh_known_hosts': caOnly,
      [`${HOME}/.ssh/known_hosts`]: `dev.example ${ED25519}\n`,
    });
    expect(await ssh2Limits(base(), both)).toEqual([]);
    // HostKeyAlias on another port: the bare alias is what known_hosts names (sshconnect.c).
    const alias = base({ hostKeyAlias: 'devbox', port: 2222 });
    const aliasCa = memoryIo({ '/etc/ssh/ssh_known_hosts': `@cert-authority devbox ${ED25519}\n` });
    expect(await ssh2Limits(alias, aliasCa)).toEqual([
      'known_hosts trusts devbox only through @cert-authority lines: ssh2 cannot verify host certificates',
    ]);
  });
});

describe('on real files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-limits-'));
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads the key type from an OpenSSH private key when its .pub is missing', () => {
    const key = path.join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', key]);
    expect(privateKeyType(fs.readFileSync(key))).toBe('ssh-ed25519');
    expect(privateKeyType(Buffer.from('not a key'))).toBeUndefined();
  });

  it('finds a -cert.pub signed by ssh-keygen beside the key', async () => {
    const key = path.join(dir, 'id_user');
    const ca = path.join(dir, 'ca');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', ca]);
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'me', '-n', 'me', `${key}.pub`]);
    const reasons = await ssh2Limits(sshTarget({ identityFiles: [key] }));
    expect(reasons).toEqual([
      `certificate ${key}-cert.pub beside IdentityFile ${key}: ssh2 cannot log in with certificates`,
    ]);
  });
});
