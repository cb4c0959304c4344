// The probe mode of the one connection (what `tunnel doctor` logs in with), against a real sshd: it logs in
// as connect would, reports the host-key verdict and the accepted key, and never writes known_hosts — not
// with StrictHostKeyChecking accept-new, and not even when the policy asks to accept new keys.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/ssh/connection.js';
import type { LoginObservation } from '../../src/ssh/probe.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import { generateKey, type SshdHandle, startSshd } from '../devserver/sshd.js';
import { writeSshConfig } from './local-sshd.js';

let work: string;
let sshd: SshdHandle;
let key: string;
let otherHostKey: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-ssh-probe-'));
  key = path.join(work, 'id_ed25519');
  otherHostKey = generateKey(path.join(work, 'other_host'), 'ed25519');
  fs.mkdirSync(path.join(work, 'home'));
  sshd = await startSshd({
    dir: path.join(work, 'sshd'),
    authorizedKeys: [generateKey(key, 'ed25519')],
    setEnv: { HOME: path.join(work, 'home') },
  });
});

afterAll(async () => {
  await sshd?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A target whose known_hosts holds `known` (created empty), with StrictHostKeyChecking `strict`. */
async function target(known: string, strict: string) {
  const knownHosts = path.join(work, 'known_hosts');
  fs.writeFileSync(knownHosts, known);
  const configFile = writeSshConfig({
    work,
    sshd,
    key,
    knownHosts,
    extra: [`StrictHostKeyChecking ${strict}`],
  });
  return { knownHosts, target: await resolveTarget('devserver', { configFile }) };
}

describe('openConnection in probe mode', () => {
  it('accepts what accept-new would add for this connection only, and says so: known_hosts stays empty', async () => {
    const { knownHosts, target: resolved } = await target('', 'accept-new');
    const observation: LoginObservation = {};
    const connection = await openConnection(resolved, {
      hostKeyPolicy: { acceptNewHostKey: true },
      probe: observation,
    });
    try {
      expect(observation.hostKey).toMatchObject({ kind: 'new', policy: 'StrictHostKeyChecking accept-new' });
      expect(observation.method).toMatch(/^publickey ED25519 SHA256:[A-Za-z0-9+/]{43}$/);
      expect(await connection.exec(['echo', 'probe'])).toMatchObject({ code: 0, stdout: 'probe\n' });
    } finally {
      connection.close();
      await connection.closed;
    }
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe('');
  });

  it('reports a changed key as refused, with why, and logs in nowhere', async () => {
    const line = `[127.0.0.1]:${sshd.port} ${otherHostKey}\n`;
    const { knownHosts, target: resolved } = await target(line, 'accept-new');
    const observation: LoginObservation = {};
    const error = await openConnection(resolved, {
      hostKeyPolicy: { acceptNewHostKey: false },
      probe: observation,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect(observation.hostKey).toMatchObject({ kind: 'refused', error: { code: 'HOST_KEY_CHANGED' } });
    expect(observation.method).toBeUndefined();
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(line);
  });
});
