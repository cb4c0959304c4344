// known_hosts is a file anyone's tools append to: garbage lines are skipped with a warning (as OpenSSH
// skips them), never thrown, and the valid lines around them still match.
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hostKeyAlgorithmsFor } from '../../../src/ssh/host-key-algorithms.js';
import {
  checkHostKey,
  formatKnownHostsLine,
  knownHostsName,
  parseKnownHosts,
} from '../../../src/ssh/known-hosts.js';
import { hostileText } from './helpers.js';

function wireBlob(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(type.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), body]);
}

const ED25519 = wireBlob('ssh-ed25519', randomBytes(36));
const ECDSA = wireBlob('ecdsa-sha2-nistp256', randomBytes(80));

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const malformedHashed = fc.oneof(
  fc
    .tuple(fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 30 }))
    .map(([s, h]) => `|1|${b64(s)}|${b64(h)}`),
  fc.constantFrom('|1|', '|1||', '|2|AAAA|BBBB', '|', '||||', '|1|!!!!|????', `|1|${'A'.repeat(28)}|`),
  hostileText.map((text) => `|1|${text}`),
);
const marker = fc.constantFrom('@revoked', '@cert-authority', '@', '@revoked@', '@REVOKED', '@cert');
const keyType = fc.constantFrom('ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'x', '');
const garbageLine = fc
  .oneof(
    hostileText,
    fc
      .tuple(malformedHashed, keyType, fc.constantFrom(b64(ED25519), 'AAAA', '===', ''))
      .map((parts) => parts.join(' ')),
    fc.tuple(marker, fc.constantFrom('dev', '*', ''), keyType, fc.string()).map((parts) => parts.join(' ')),
    fc
      .tuple(fc.constantFrom('dev', 'other'), keyType, fc.uint8Array({ maxLength: 40 }).map(b64))
      .map((p) => p.join(' ')),
    fc.nat(20_000).map((n) => `${'a,'.repeat(n)}dev ssh-ed25519 ${'A'.repeat(n)}`),
  )
  // A newline inside a "line" would be two lines; the line-number assertions below count lines.
  .map((text) => text.replace(/\n/g, ' '));

describe('parseKnownHosts on hostile files', () => {
  it('never throws on arbitrary text and warns at most once per line', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { maxLength: 20 }), (lines) => {
        const text = lines.join('\n');
        const result = parseKnownHosts(text, '/k');
        expect(result.entries.length + result.warnings.length).toBeLessThanOrEqual(text.split('\n').length);
        for (const warning of result.warnings) expect(warning.length).toBeLessThan(200);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps matching the valid lines around garbage, malformed hashes and markers', () => {
    fc.assert(
      fc.property(
        fc.array(garbageLine, { maxLength: 8 }),
        fc.array(garbageLine, { maxLength: 8 }),
        fc.boolean(),
        fc.boolean(),
        (before, after, hashed, crlf) => {
          const valid = formatKnownHostsLine('dev.example', 2222, 'ssh-ed25519', ED25519, hashed);
          const lines = [...before, valid, ...after];
          const result = parseKnownHosts(lines.join(crlf ? '\r\n' : '\n'), '/k');
          const name = knownHostsName('dev.example', 2222);
          const check = checkHostKey(result.entries, {
            hostNames: [name],
            keyBlob: ED25519,
          });
          expect(check.status).toBe('match');
          expect(check.matchedLine?.line).toBe(before.length + 1);
          // Another key for the same host (of any type) is "changed", never an exception or a match.
          const other = checkHostKey(result.entries, {
            hostNames: [name],
            keyBlob: ECDSA,
          });
          expect(other.status).toBe('changed');
          expect(hostKeyAlgorithmsFor(result.entries, [name])[0]).toBe('ssh-ed25519');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('skips a very long line and a line of long patterns without blowing up', () => {
    const long = `${'*a'.repeat(50_000)} ssh-ed25519 ${b64(ED25519)}`;
    const junk = 'x'.repeat(2_000_000);
    const valid = formatKnownHostsLine('dev', 22, 'ssh-ed25519', ED25519, false);
    const result = parseKnownHosts([junk, long, valid].join('\n'), '/k');
    expect(result.warnings).toHaveLength(1);
    const check = checkHostKey(result.entries, {
      hostNames: ['dev'],
      keyBlob: ED25519,
    });
    expect(check.status).toBe('match');
    expect(check.matchedLine?.line).toBe(3);
  });
});
