// The host key algorithms offered to the server, as OpenSSH's order_hostkeyalgs (sshconnect2.c) orders
// them: checked against what `ssh -vvv` printed ("prefer hostkeyalgs" / "using HostkeyAlgorithms verbatim").
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HOST_KEY_ALGORITHMS,
  hostKeyAlgorithmsFor,
  usableHostKeyAlgorithms,
} from '../../../src/ssh/host-key-algorithms.js';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/ssh/known-hosts');
const pub = (name: string) =>
  fs.readFileSync(path.join(fixtures, name), 'utf8').split(' ').slice(0, 2).join(' ');
const plain = parseKnownHosts(fs.readFileSync(path.join(fixtures, 'known_hosts'), 'utf8'), 'known_hosts');
const entriesFor = (host: string, ...keys: string[]) =>
  parseKnownHosts(keys.map((key) => `${host} ${pub(key)}`).join('\n'), 'kh').entries;

/** `ssh -G` 9.2's default hostkeyalgorithms (certificate and sk types first, as printed). */
const SSH_G_DEFAULT = [
  'ssh-ed25519-cert-v01@openssh.com',
  'ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'ecdsa-sha2-nistp384-cert-v01@openssh.com',
  'ecdsa-sha2-nistp521-cert-v01@openssh.com',
  'sk-ssh-ed25519-cert-v01@openssh.com',
  'sk-ecdsa-sha2-nistp256-cert-v01@openssh.com',
  'rsa-sha2-512-cert-v01@openssh.com',
  'rsa-sha2-256-cert-v01@openssh.com',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

describe('hostKeyAlgorithmsFor', () => {
  it('puts known types first (rsa → rsa-sha2-512, rsa-sha2-256), exact list', () => {
    expect(hostKeyAlgorithmsFor(plain.entries, ['10.0.0.5'])).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-ed25519',
      'ecdsa-sha2-nistp256',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
    ]);
    expect(hostKeyAlgorithmsFor(plain.entries, ['xab.example'])[0]).toBe('ecdsa-sha2-nistp256');
    expect(hostKeyAlgorithmsFor(plain.entries, ['nowhere.example'])).toEqual(DEFAULT_HOST_KEY_ALGORITHMS);
    // Revoked and CA lines say nothing about which plain key the host has.
    expect(hostKeyAlgorithmsFor(plain.entries, ['foo.ca.example'])).toEqual(DEFAULT_HOST_KEY_ALGORITHMS);
  });

  it('known ED25519 only: the default order (ssh: "have matching best-preference key type")', () => {
    const entries = entriesFor('dev', 'host_ed25519.pub');
    expect(hostKeyAlgorithmsFor(entries, ['dev'], SSH_G_DEFAULT)).toEqual(DEFAULT_HOST_KEY_ALGORITHMS);
  });

  it('the best type known: the list verbatim, even with another known type further down', () => {
    // ED25519 and RSA known: ssh keeps ECDSA ahead of RSA, so a server without ED25519 but with ECDSA
    // presents ECDSA, which ssh then refuses as a changed key; we offer the same list.
    const entries = entriesFor('dev', 'host_ed25519.pub', 'host_rsa.pub');
    expect(hostKeyAlgorithmsFor(entries, ['dev'], SSH_G_DEFAULT)).toEqual(DEFAULT_HOST_KEY_ALGORITHMS);
  });

  it('the ECDSA curve counts: a known nistp256 key moves only ecdsa-sha2-nistp256 first', () => {
    const entries = entriesFor('dev', 'host_ecdsa.pub');
    expect(hostKeyAlgorithmsFor(entries, ['dev'], SSH_G_DEFAULT)).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
    ]);
  });

  it("keeps the user's HostKeyAlgorithms order and additions (ssh-rsa), dropping what ssh2 cannot verify", () => {
    const configured = [
      'ecdsa-sha2-nistp256',
      ...SSH_G_DEFAULT.filter((a) => a !== 'ecdsa-sha2-nistp256'),
      'ssh-rsa',
    ];
    expect(usableHostKeyAlgorithms(configured)).toEqual([
      'ecdsa-sha2-nistp256',
      'ssh-ed25519',
      'ecdsa-sha2-nistp384',
      'ecdsa-sha2-nistp521',
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    const rsaKnown = entriesFor('dev', 'host_rsa.pub');
    expect(hostKeyAlgorithmsFor(rsaKnown, ['dev'], configured).slice(0, 4)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
      'ecdsa-sha2-nistp256',
    ]);
    expect(
      usableHostKeyAlgorithms(['ssh-ed25519-cert-v01@openssh.com', 'sk-ssh-ed25519@openssh.com']),
    ).toEqual([]);
  });
});
