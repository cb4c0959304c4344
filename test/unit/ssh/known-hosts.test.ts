import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  entryMatchesHost,
  fingerprintSha256,
  formatKnownHostsLine,
  globMatch,
  knownHostsName,
  lookupName,
  parseKnownHosts,
  portlessName,
} from '../../../src/ssh/known-hosts.js';

const dir = path.join(import.meta.dirname, '../../fixtures/ssh/known-hosts');
const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const blob = (pub: string) => Buffer.from(read(pub).split(' ')[1] ?? '', 'base64');
const keys = {
  ed25519: blob('host_ed25519.pub'),
  ecdsa: blob('host_ecdsa.pub'),
  rsa: blob('host_rsa.pub'),
  revoked: blob('revoked_ed25519.pub'),
  ca: blob('ca_ed25519.pub'),
  other: blob('other_ed25519.pub'),
};
const plain = parseKnownHosts(read('known_hosts'), 'known_hosts');
const hashed = parseKnownHosts(read('known_hosts_hashed'), 'known_hosts_hashed');

describe('parseKnownHosts', () => {
  it('keeps file and line numbers, markers and comments', () => {
    const first = plain.entries[0];
    expect(first).toMatchObject({
      file: 'known_hosts',
      line: 3,
      keyType: 'ssh-ed25519',
      comment: 'first comment',
    });
    expect(plain.entries.find((entry) => entry.line === 10)?.marker).toBe('revoked');
    expect(plain.entries.find((entry) => entry.line === 11)?.marker).toBe('cert-authority');
  });

  it('skips the lines OpenSSH skips, with a file:line warning each', () => {
    expect(plain.warnings.map((warning) => warning.split(':').slice(0, 2).join(':'))).toEqual([
      'known_hosts:12',
      'known_hosts:13',
      'known_hosts:14',
      'known_hosts:15',
      'known_hosts:16',
    ]);
    expect(hashed.warnings).toHaveLength(2);
    expect(hashed.warnings[0]).toMatch(/known_hosts_hashed:14: .*hashed/);
  });

  it('matches host names exactly like `ssh-keygen -F` (plain and hashed files, valid lines)', () => {
    const oracle: Record<string, number[]> = JSON.parse(read('ssh-keygen-F.json'));
    for (const [key, expected] of Object.entries(oracle)) {
      const [file, name] = key.split(' ') as [string, string];
      const parsed = file === 'known_hosts' ? plain : hashed;
      const found = parsed.entries.filter(
        (entry) => entry.marker === 'revoked' || entryMatchesHost(entry, [name]),
      );
      const validExpected = expected.filter((line) => parsed.entries.some((entry) => entry.line === line));
      expect(
        found.map((entry) => entry.line),
        key,
      ).toEqual(validExpected);
    }
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const result = parseKnownHosts(text, 'fuzz');
        expect(Array.isArray(result.entries)).toBe(true);
      }),
      { numRuns: 500 },
    );
    const lineish = fc.array(
      fc.oneof(
        fc.constantFrom(
          '@revoked',
          '@cert-authority',
          '|1|',
          '*',
          '!',
          ',',
          '[h]:22',
          'ssh-ed25519',
          ' ',
          '\t',
        ),
        fc.base64String(),
      ),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(fc.array(lineish.map((parts) => parts.join(' '))), (lines) => {
        parseKnownHosts(lines.join('\n'), 'fuzz');
      }),
      { numRuns: 500 },
    );
  });
});

describe('checkHostKey', () => {
  const query = (name: string, keyBlob: Buffer) => ({ hostNames: [name], keyBlob });

  it('match / several key types per host / rsa-sha2 counts as ssh-rsa', () => {
    for (const parsed of [plain, hashed]) {
      expect(checkHostKey(parsed.entries, query('devserver.example', keys.ed25519)).status).toBe('match');
      expect(checkHostKey(parsed.entries, query('devserver.example', keys.ecdsa)).status).toBe('match');
      expect(checkHostKey(parsed.entries, query('10.0.0.5', keys.rsa)).matchedLine?.keyType).toBe('ssh-rsa');
      expect(checkHostKey(parsed.entries, query('[devserver.example]:2222', keys.ed25519)).status).toBe(
        'match',
      );
    }
  });

  it('changed: same type, other bytes, with the conflicting line', () => {
    const result = checkHostKey(plain.entries, query('changed.example', keys.ed25519));
    expect(result.status).toBe('changed');
    expect(result.conflictingLines?.map((entry) => `${entry.file}:${entry.line}`)).toEqual(['known_hosts:9']);
  });

  it('revoked wins over a matching line, whatever the host', () => {
    expect(checkHostKey(plain.entries, query('devserver.example', keys.revoked)).status).toBe('revoked');
    expect(
      checkHostKey(plain.entries, query('nowhere.example', keys.revoked)).conflictingLines?.[0]?.line,
    ).toBe(10);
  });

  it('changed: a host known only by another key TYPE (hostfile.c: any known key makes it not new)', () => {
    // [devserver.example]:2222 has only an ED25519 line; an impostor offering ECDSA is not "new".
    for (const parsed of [plain, hashed]) {
      const result = checkHostKey(parsed.entries, query('[devserver.example]:2222', keys.ecdsa));
      expect(result.status).toBe('changed');
      expect(result.conflictingLines?.map((entry) => entry.keyType)).toEqual(['ssh-ed25519']);
    }
    // Every line the host has is named, whatever its type (ssh prints the offending key's file:line).
    const rsaOnly = checkHostKey(plain.entries, query('10.0.0.5', keys.ecdsa));
    expect(rsaOnly.conflictingLines?.map((entry) => `${entry.file}:${entry.line}`)).toEqual([
      'known_hosts:5',
    ]);
  });

  it('unknown, negation, wildcard, cert-authority', () => {
    expect(checkHostKey(plain.entries, query('nowhere.example', keys.ed25519)).status).toBe('unknown');
    expect(checkHostKey(plain.entries, query('a.corp.example', keys.ed25519)).status).toBe('match');
    expect(checkHostKey(plain.entries, query('bad.corp.example', keys.ed25519)).status).toBe('unknown');
    expect(checkHostKey(plain.entries, query('xab.example', keys.ecdsa)).status).toBe('match');
    const ca = checkHostKey(plain.entries, query('foo.ca.example', keys.ca));
    expect(ca.status).toBe('unknown');
    expect(ca.certAuthorityLines?.[0]?.line).toBe(11);
  });

  it('is case-insensitive on host names', () => {
    expect(checkHostKey(plain.entries, query('[MIXED.case.example]:2200', keys.ed25519)).status).toBe(
      'match',
    );
  });
});

describe('names, fingerprints, lines, algorithms', () => {
  it('uses HostKeyAlias verbatim (no port, as ssh 9.2 writes it), else HostName as [name]:port unless 22', () => {
    expect(knownHostsName('h', 22)).toBe('h');
    expect(knownHostsName('h', 2222)).toBe('[h]:2222');
    expect(lookupName({ hostName: 'H.example', hostKeyAlias: undefined, port: 22 })).toBe('h.example');
    expect(lookupName({ hostName: 'H.example', hostKeyAlias: undefined, port: 2222 })).toBe(
      '[h.example]:2222',
    );
    expect(lookupName({ hostName: '10.0.0.5', hostKeyAlias: 'DevBox', port: 2222 })).toBe('devbox');
  });

  it('portlessName: the bare host ssh re-checks for a new [host]:port, never with HostKeyAlias or on 22', () => {
    expect(portlessName({ hostName: 'H.example', hostKeyAlias: undefined, port: 2222 })).toBe('h.example');
    expect(portlessName({ hostName: 'h.example', hostKeyAlias: undefined, port: 22 })).toBeUndefined();
    expect(portlessName({ hostName: 'h.example', hostKeyAlias: 'dev', port: 2222 })).toBeUndefined();
  });

  it('fingerprintSha256 equals `ssh-keygen -lf`', () => {
    const expected = read('fingerprints.txt').trim().split('\n');
    const files = [
      'host_ed25519',
      'host_ecdsa',
      'host_rsa',
      'revoked_ed25519',
      'ca_ed25519',
      'other_ed25519',
    ];
    files.forEach((file, index) => {
      expect(expected[index]?.split(' ')[1]).toBe(fingerprintSha256(blob(`${file}.pub`)));
    });
  });

  it('formats lines that the real ssh-keygen -F finds (plain and hashed)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-kh-'));
    try {
      const file = path.join(tmp, 'known_hosts');
      const lines = [
        formatKnownHostsLine('Dev.Example', 2222, 'ssh-ed25519', keys.ed25519, true),
        formatKnownHostsLine('plain.example', 22, 'rsa-sha2-512', keys.rsa, false),
      ];
      expect(lines[1]).toMatch(/^plain\.example ssh-rsa AAAA/);
      fs.writeFileSync(file, `${lines.join('\n')}\n`);
      const found = execFileSync('ssh-keygen', ['-F', '[dev.example]:2222', '-f', file], {
        encoding: 'utf8',
      });
      expect(found).toMatch(/found: line 1/);
      const parsed = parseKnownHosts(fs.readFileSync(file, 'utf8'), file);
      expect(
        checkHostKey(parsed.entries, {
          hostNames: ['[dev.example]:2222'],
          keyBlob: keys.ed25519,
        }).status,
      ).toBe('match');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('globMatch handles * and ? without blowing up', () => {
    expect(globMatch('a.corp.example', '*.corp.example')).toBe(true);
    expect(globMatch('corp.example', '*.corp.example')).toBe(false);
    expect(globMatch('xab', '?ab')).toBe(true);
    expect(globMatch('[h]:22', '[h]:2?')).toBe(true);
    expect(globMatch('a'.repeat(5000), `${'*a'.repeat(50)}b`)).toBe(false);
  });
});
