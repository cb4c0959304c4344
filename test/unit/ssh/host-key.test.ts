import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { createHostVerifier, type HostKeyPolicy } from '../../../src/ssh/host-key.js';
import { fingerprintSha256 } from '../../../src/ssh/known-hosts.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/ssh/known-hosts');
const pub = (name: string) =>
  fs.readFileSync(path.join(fixtures, name), 'utf8').split(' ').slice(0, 2).join(' ');
const blob = (name: string) => Buffer.from(pub(name).split(' ')[1] ?? '', 'base64');
const hostKey = blob('host_ed25519.pub');
const otherKey = blob('other_ed25519.pub');
const ecdsaKey = blob('host_ecdsa.pub');

let dir: string;
let knownHosts: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-hostkey-'));
  knownHosts = path.join(dir, 'ssh', 'known_hosts');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function target(overrides: Partial<SshTarget> = {}): SshTarget {
  return sshTarget({
    hostName: '127.0.0.1',
    port: 2222,
    userKnownHostsFiles: [knownHosts, path.join(dir, 'missing')],
    globalKnownHostsFiles: [path.join(dir, 'global')],
    strictHostKeyChecking: 'ask',
    ...overrides,
  });
}

function writeKnownHosts(lines: string[]) {
  fs.mkdirSync(path.dirname(knownHosts), { recursive: true });
  fs.writeFileSync(knownHosts, `${lines.join('\n')}\n`);
}

async function verify(t: SshTarget, policy: HostKeyPolicy, key: Buffer) {
  const verifier = await createHostVerifier(t, policy);
  const accepted = await new Promise<boolean>((resolve) => {
    const returned: unknown = verifier.verify(key, resolve);
    // docs/reference/ssh2.md §0: anything but undefined returned from the verifier is taken as ACCEPT.
    expect(returned).toBeUndefined();
  });
  return { accepted, error: verifier.error as TunnelError | undefined, verifier };
}

const refuse: HostKeyPolicy = { acceptNewHostKey: false };

describe('createHostVerifier', () => {
  it('accepts a known key and pins it for rekeys', async () => {
    writeKnownHosts(['# c', `[127.0.0.1]:2222 ${pub('host_ed25519.pub')}`]);
    const { accepted, verifier } = await verify(target(), refuse, hostKey);
    expect(accepted).toBe(true);
    const rekey = await new Promise<boolean>((resolve) => verifier.verify(otherKey, resolve));
    expect(rekey).toBe(false);
    expect(verifier.error?.code).toBe('HOST_KEY_CHANGED');
    expect(verifier.error?.message).toMatch(/rekey/);
  });

  it('refuses a changed key naming file:line, the new fingerprint and the ssh-keygen -R hint', async () => {
    writeKnownHosts(['# c', '', `[127.0.0.1]:2222 ${pub('other_ed25519.pub')}`]);
    const { accepted, error } = await verify(
      target({ strictHostKeyChecking: 'no' }),
      { acceptNewHostKey: true },
      hostKey,
    );
    expect(accepted).toBe(false);
    expect(error?.code).toBe('HOST_KEY_CHANGED');
    expect(error?.message).toContain(`${knownHosts}:3`);
    expect(error?.message).toContain(fingerprintSha256(hostKey));
    expect(error?.hint).toContain(`ssh-keygen -R '[127.0.0.1]:2222' -f ${knownHosts}`);
  });

  it('refuses a revoked key', async () => {
    writeKnownHosts([`@revoked * ${pub('host_ed25519.pub')}`, `[127.0.0.1]:2222 ${pub('host_ed25519.pub')}`]);
    const { accepted, error } = await verify(target(), { acceptNewHostKey: true }, hostKey);
    expect(accepted).toBe(false);
    expect(error?.code).toBe('HOST_KEY_REVOKED');
    expect(error?.message).toContain(`${knownHosts}:1`);
  });

  it('refuses an unknown key without a terminal, with the ssh / --accept-new-host-key hint', async () => {
    const { accepted, error } = await verify(target(), refuse, hostKey);
    expect(accepted).toBe(false);
    expect(error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(error?.message).toContain(fingerprintSha256(hostKey));
    expect(error?.hint).toMatch(/ssh dev.*--accept-new-host-key/);
    expect(fs.existsSync(knownHosts)).toBe(false);
  });

  it('a host known only through @cert-authority is SSH_UNSUPPORTED, never a new key to accept', async () => {
    writeKnownHosts([`@cert-authority [127.0.0.1]:2222 ${pub('other_ed25519.pub')}`]);
    const before = fs.readFileSync(knownHosts, 'utf8');
    const prompted: string[] = [];
    const policy = { acceptNewHostKey: true, prompt: async (q: string) => prompted.push(q) > 0 };
    const { accepted, error } = await verify(
      target({ strictHostKeyChecking: 'accept-new' }),
      policy,
      hostKey,
    );
    expect(accepted).toBe(false);
    expect(error?.code).toBe('SSH_UNSUPPORTED');
    expect(error?.message).toContain(`only through @cert-authority lines (${knownHosts}:1)`);
    expect(error?.hint).toContain('--transport openssh');
    expect(prompted).toEqual([]);
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(before);
  });

  it('asks when a prompt is given and appends on yes (0600 file, 0700 dir)', async () => {
    const questions: string[] = [];
    const prompt = async (question: string) => {
      questions.push(question);
      return true;
    };
    const { accepted } = await verify(target(), { acceptNewHostKey: false, prompt }, hostKey);
    expect(accepted).toBe(true);
    expect(questions[0]).toContain(`ED25519 key fingerprint is ${fingerprintSha256(hostKey)}`);
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(`[127.0.0.1]:2222 ${pub('host_ed25519.pub')}\n`);
    expect(fs.statSync(knownHosts).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(knownHosts)).mode & 0o777).toBe(0o700);
  });

  it('never prompts under StrictHostKeyChecking=yes; declining is refused', async () => {
    const prompt = async () => {
      throw new Error('must not be asked');
    };
    const strict = await verify(
      target({ strictHostKeyChecking: 'yes' }),
      { acceptNewHostKey: false, prompt },
      hostKey,
    );
    expect(strict.error?.message).toMatch(/StrictHostKeyChecking is yes/);
    const declined = await verify(target(), { acceptNewHostKey: false, prompt: async () => false }, hostKey);
    expect(declined.accepted).toBe(false);
    expect(declined.error?.message).toMatch(/declined/);
  });

  it('accept-new appends a hashed line (HashKnownHosts) that ssh-keygen -F finds, after a line missing its newline', async () => {
    fs.mkdirSync(path.dirname(knownHosts), { recursive: true });
    fs.writeFileSync(knownHosts, `other.example ${pub('other_ed25519.pub')}`);
    const t = target({ strictHostKeyChecking: 'accept-new', hashKnownHosts: true, hostKeyAlias: 'DevBox' });
    const { accepted, verifier } = await verify(t, refuse, hostKey);
    expect(accepted).toBe(true);
    // HostKeyAlias is the name as is, lowercased, without [..]:port (what ssh 9.2 writes).
    expect(verifier.warnings.join('\n')).toMatch(/Permanently added 'devbox'/);
    const lines = fs.readFileSync(knownHosts, 'utf8').split('\n');
    expect(lines[1]).toMatch(/^\|1\|/);
    const found = execFileSync('ssh-keygen', ['-F', 'devbox', '-f', knownHosts], { encoding: 'utf8' });
    expect(found).toMatch(/found: line 2/);
  });

  it('refuses a HostKeyAlgorithms with only types ssh2 cannot verify, naming the setting (SSH_UNSUPPORTED: OpenSSH can)', async () => {
    const t = target({
      hostKeyAlgorithms: ['ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com'],
    });
    const error = await createHostVerifier(t, refuse).then(
      () => undefined,
      (caught: TunnelError) => caught,
    );
    expect(error?.code).toBe('SSH_UNSUPPORTED');
    expect(error?.message).toMatch(/HostKeyAlgorithms for dev .* has no type tunnel can verify/);
    expect(error?.hint).toContain('HostKeyAlgorithms +ssh-ed25519');
  });

  it('puts the known key types first in the algorithm list', async () => {
    writeKnownHosts([`[127.0.0.1]:2222 ${pub('host_rsa.pub')}`]);
    const verifier = await createHostVerifier(target(), refuse);
    expect(verifier.serverHostKeyAlgorithms.slice(0, 3)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-ed25519',
    ]);
  });

  describe('a key of another type for a known host (issue 10 item 2)', () => {
    const known = () => [`[127.0.0.1]:2222 ${pub('host_ed25519.pub')}`];
    const acceptNew: Array<[string, Partial<SshTarget>, HostKeyPolicy]> = [
      ['--accept-new-host-key', {}, { acceptNewHostKey: true }],
      ['StrictHostKeyChecking accept-new', { strictHostKeyChecking: 'accept-new' }, refuse],
      ['StrictHostKeyChecking no', { strictHostKeyChecking: 'no' }, refuse],
    ];
    it.each(acceptNew)(
      'known ED25519, offered ECDSA under %s: changed, refused, nothing appended',
      async (_, t, policy) => {
        writeKnownHosts(known());
        const before = fs.readFileSync(knownHosts);
        const prompt = async () => {
          throw new Error('a changed key is never a question');
        };
        const { accepted, error } = await verify(target(t), { ...policy, prompt }, ecdsaKey);
        expect(accepted).toBe(false);
        expect(error?.code).toBe('HOST_KEY_CHANGED');
        expect(error?.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
        expect(error?.message).toContain(`ECDSA key sent by the server is ${fingerprintSha256(ecdsaKey)}`);
        expect(error?.message).toContain(`offending ED25519 key in ${knownHosts}:1`);
        expect(error?.hint).toContain(`ssh-keygen -R '[127.0.0.1]:2222' -f ${knownHosts}`);
        expect(fs.readFileSync(knownHosts).equals(before)).toBe(true);
      },
    );

    it('a known key of another type in the global file counts too', async () => {
      fs.writeFileSync(path.join(dir, 'global'), `${known()[0]}\n`);
      const { error } = await verify(target(), { acceptNewHostKey: true }, ecdsaKey);
      expect(error?.code).toBe('HOST_KEY_CHANGED');
      expect(fs.existsSync(knownHosts)).toBe(false);
    });

    it('under HostKeyAlias the alias is the name looked up (not [alias]:port)', async () => {
      writeKnownHosts([`devbox ${pub('host_ed25519.pub')}`]);
      const t = target({ hostKeyAlias: 'DevBox', strictHostKeyChecking: 'accept-new' });
      expect((await verify(t, refuse, ecdsaKey)).error?.code).toBe('HOST_KEY_CHANGED');
      expect((await verify(t, refuse, hostKey)).accepted).toBe(true);
    });
  });

  describe('the bare host name for a new [host]:port (sshconnect.c "checking without port identifier")', () => {
    it('accepts the exact key recorded under the bare name, and appends nothing', async () => {
      writeKnownHosts([`127.0.0.1 ${pub('host_ed25519.pub')}`]);
      const { accepted } = await verify(target({ strictHostKeyChecking: 'yes' }), refuse, hostKey);
      expect(accepted).toBe(true);
      expect(fs.readFileSync(knownHosts, 'utf8').split('\n')).toHaveLength(2);
    });

    it('another key under the bare name leaves [host]:port new: accept-new adds it (as ssh 9.2 does)', async () => {
      writeKnownHosts([`127.0.0.1 ${pub('host_ed25519.pub')}`]);
      const { accepted } = await verify(target({ strictHostKeyChecking: 'accept-new' }), refuse, ecdsaKey);
      expect(accepted).toBe(true);
      expect(fs.readFileSync(knownHosts, 'utf8')).toContain(`[127.0.0.1]:2222 ${pub('host_ecdsa.pub')}`);
    });
  });

  it('unattended (a background reconnect) refuses an unknown key whatever accept-new says', async () => {
    const t = target({ strictHostKeyChecking: 'accept-new' });
    const { accepted, error } = await verify(t, { acceptNewHostKey: true, unattended: true }, hostKey);
    expect(accepted).toBe(false);
    expect(error?.code).toBe('HOST_KEY_UNKNOWN');
    expect(error?.message).toMatch(/background reconnect never trusts a new key/);
    expect(fs.existsSync(knownHosts)).toBe(false);
  });

  it('never records a host name that would become a pattern (ssh: "invalid hostname; will not record")', async () => {
    for (const t of [target({ hostName: 'dev*.example' }), target({ hostKeyAlias: 'dev,other' })]) {
      const { accepted, error } = await verify(t, { acceptNewHostKey: true }, hostKey);
      expect(accepted).toBe(false);
      expect(error?.code).toBe('HOST_KEY_UNKNOWN');
      expect(error?.message).toMatch(/characters a known_hosts line cannot hold/);
    }
    expect(fs.existsSync(knownHosts)).toBe(false);
  });
});
