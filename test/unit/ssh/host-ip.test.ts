// CheckHostIP as sshconnect.c check_host_key applies it: when the address is checked, what is appended,
// and when a differing address key stops the connect (no question under accept-new).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { ipLookupName } from '../../../src/ssh/host-ip.js';
import { createHostVerifier, type HostKeyPolicy } from '../../../src/ssh/host-key.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/ssh/known-hosts');
const pub = (name: string) =>
  fs.readFileSync(path.join(fixtures, name), 'utf8').split(' ').slice(0, 2).join(' ');
const blob = (name: string) => Buffer.from(pub(name).split(' ')[1] ?? '', 'base64');
const hostKey = blob('host_ed25519.pub');
const ecdsaKey = blob('host_ecdsa.pub');

let dir: string;
let knownHosts: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-hostip-'));
  knownHosts = path.join(dir, 'known_hosts');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function target(overrides: Partial<SshTarget> = {}): SshTarget {
  return sshTarget({
    userKnownHostsFiles: [knownHosts],
    strictHostKeyChecking: 'accept-new',
    checkHostIp: true,
    ...overrides,
  });
}

const write = (lines: string[]) => fs.writeFileSync(knownHosts, `${lines.join('\n')}\n`);
const read = () => (fs.existsSync(knownHosts) ? fs.readFileSync(knownHosts, 'utf8') : '');

async function verify(t: SshTarget, key: Buffer, policy: HostKeyPolicy = { acceptNewHostKey: false }) {
  const verifier = await createHostVerifier(t, policy);
  verifier.setRemoteAddress?.('10.0.0.9');
  const accepted = await new Promise<boolean>((resolve) => verifier.verify(key, resolve));
  return { accepted, error: verifier.error as TunnelError | undefined, warnings: verifier.warnings };
}

describe('ipLookupName (when ssh checks the address)', () => {
  it('only with CheckHostIP, a TCP address that is not loopback, and a HostName other than "ip[:port]"', () => {
    expect(ipLookupName(target(), '10.0.0.9')).toBe('10.0.0.9');
    expect(ipLookupName(target({ port: 2222 }), '10.0.0.9')).toBe('[10.0.0.9]:2222');
    expect(ipLookupName(target({ checkHostIp: false }), '10.0.0.9')).toBeUndefined();
    expect(ipLookupName(target(), undefined)).toBeUndefined();
    expect(ipLookupName(target(), '127.0.0.1')).toBeUndefined();
    expect(ipLookupName(target(), '::1')).toBeUndefined();
    expect(ipLookupName(target({ hostName: '10.0.0.9' }), '10.0.0.9')).toBeUndefined();
    // ssh compares the HostName with the address *with* its port: an IP HostName off 22 is still checked.
    expect(ipLookupName(target({ hostName: '10.0.0.9', port: 2222 }), '10.0.0.9')).toBe('[10.0.0.9]:2222');
    expect(ipLookupName(target({ proxyJump: 'jump' }), '10.0.0.9')).toBeUndefined();
  });
});

describe('a verifier with CheckHostIP yes (server at 10.0.0.9)', () => {
  it('known host, new address: accepted, the address line appended (as ssh does on every connect)', async () => {
    write([`dev.example ${pub('host_ed25519.pub')}`]);
    const { accepted, warnings } = await verify(target({ strictHostKeyChecking: 'yes' }), hostKey);
    expect(accepted).toBe(true);
    expect(read()).toContain(`\n10.0.0.9 ${pub('host_ed25519.pub')}\n`);
    expect(warnings.join('\n')).toMatch(/Permanently added the ED25519 host key for IP address '10.0.0.9'/);
  });

  it('new host: one "host,ip" line, or one hashed line per name', async () => {
    expect((await verify(target(), hostKey)).accepted).toBe(true);
    expect(read()).toBe(`dev.example,10.0.0.9 ${pub('host_ed25519.pub')}\n`);
    fs.rmSync(knownHosts);
    expect((await verify(target({ hashKnownHosts: true }), hostKey)).accepted).toBe(true);
    expect(read().trim().split('\n')).toHaveLength(2);
    expect(read()).toMatch(/^\|1\|/);
  });

  it('known host, the address holding another key (any type): refused under accept-new, nothing written', async () => {
    write([`dev.example ${pub('host_ecdsa.pub')}`, `10.0.0.9 ${pub('host_ed25519.pub')}`]);
    const before = read();
    const prompt = async () => true;
    const { accepted, error } = await verify(target(), ecdsaKey, { acceptNewHostKey: true, prompt });
    expect(accepted).toBe(false);
    expect(error?.code).toBe('HOST_KEY_CHANGED');
    expect(error?.message).toContain("differs from the key for the IP address '10.0.0.9'");
    expect(error?.message).toContain(`${knownHosts}:2`);
    expect(read()).toBe(before);
  });

  it('new host whose address has another key: refused before anything is written', async () => {
    write([`10.0.0.9 ${pub('host_ed25519.pub')}`]);
    const before = read();
    const { error } = await verify(target(), ecdsaKey, { acceptNewHostKey: true });
    expect(error?.code).toBe('HOST_KEY_CHANGED');
    expect(read()).toBe(before);
  });

  it('StrictHostKeyChecking no warns and goes on; ask asks at a terminal, and refuses without one', async () => {
    write([`dev.example ${pub('host_ecdsa.pub')}`, `10.0.0.9 ${pub('host_ed25519.pub')}`]);
    const no = await verify(target({ strictHostKeyChecking: 'no' }), ecdsaKey);
    expect(no.accepted).toBe(true);
    expect(no.warnings.join('\n')).toMatch(/differs from the key for the IP address/);
    const questions: string[] = [];
    const prompt = async (question: string) => {
      questions.push(question);
      return true;
    };
    const asked = await verify(target({ strictHostKeyChecking: 'ask' }), ecdsaKey, {
      acceptNewHostKey: false,
      prompt,
    });
    expect(asked.accepted).toBe(true);
    expect(questions[0]).toMatch(/IP address '10.0.0.9'[\s\S]*continue connecting \(yes\/no\)\?/);
    const unattended = await verify(target({ strictHostKeyChecking: 'ask' }), ecdsaKey, {
      acceptNewHostKey: false,
      unattended: true,
    });
    expect(unattended.accepted).toBe(false);
  });
});
