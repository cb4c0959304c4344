// Doctor's host-key check applies CheckHostIP as connect does: an address known_hosts holds with another
// key is reported as a refusal, and doctor never writes known_hosts (not even the address line).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LoginObservation, probeVerifier } from '../../../src/ssh/probe.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

const fixtures = path.join(import.meta.dirname, '../../fixtures/ssh/known-hosts');
const pub = (name: string) =>
  fs.readFileSync(path.join(fixtures, name), 'utf8').split(' ').slice(0, 2).join(' ');
const blob = (name: string) => Buffer.from(pub(name).split(' ')[1] ?? '', 'base64');

let dir: string;
let knownHosts: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-doctor-ip-'));
  knownHosts = path.join(dir, 'known_hosts');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const target = (strict: SshTarget['strictHostKeyChecking']): SshTarget =>
  sshTarget({ userKnownHostsFiles: [knownHosts], strictHostKeyChecking: strict, checkHostIp: true });

async function probe(strict: SshTarget['strictHostKeyChecking']) {
  const observation: LoginObservation = {};
  const verifier = await probeVerifier(target(strict), observation);
  verifier.setRemoteAddress?.('10.0.0.9');
  const accepted = await new Promise<boolean>((resolve) =>
    verifier.verify(blob('host_ed25519.pub'), resolve),
  );
  return { accepted, verdict: observation.hostKey };
}

describe("doctor's host key check with CheckHostIP", () => {
  it.each(['yes', 'accept-new'] as const)(
    'reports an address known with another key as refused (StrictHostKeyChecking %s)',
    async (strict) => {
      const lines = `dev.example ${pub('host_ed25519.pub')}\n10.0.0.9 ${pub('host_ecdsa.pub')}\n`;
      fs.writeFileSync(knownHosts, lines);
      const { accepted, verdict } = await probe(strict);
      expect(accepted).toBe(false);
      expect(verdict).toMatchObject({
        kind: 'refused',
        error: { code: 'HOST_KEY_CHANGED', message: expect.stringContaining("IP address '10.0.0.9'") },
      });
      expect(fs.readFileSync(knownHosts, 'utf8')).toBe(lines);
    },
  );

  it('accepts a known host at a new address without writing the address line', async () => {
    const lines = `dev.example ${pub('host_ed25519.pub')}\n`;
    fs.writeFileSync(knownHosts, lines);
    const { accepted, verdict } = await probe('yes');
    expect(accepted).toBe(true);
    expect(verdict).toMatchObject({ kind: 'match', keyType: 'ED25519' });
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(lines);
  });
});
