// ssh2 auth against a real OpenSSH sshd: partial success (AuthenticationMethods publickey,publickey), a
// server that offers only what ssh2 cannot do (hostbased), and a user certificate beside the key with
// TrustedUserCAKeys (ssh2 cannot offer it: SSH_UNSUPPORTED naming it, while real `ssh` logs in).
// Password and PAM keyboard-interactive need a PAM setup: test/integration/ssh-setups (the setups helper).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelError } from '../../src/errors.js';
import { openConnection } from '../../src/ssh/connection.js';
import type { LoginObservation } from '../../src/ssh/probe.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import { generateKey, type SshdHandle, sshdAvailable, startSshd } from '../devserver/sshd.js';

let work: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-ssh-auth-'));
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

async function sshd(name: string, authorizedKeys: string[], extraConfig: string[]): Promise<SshdHandle> {
  const handle = await startSshd({ dir: path.join(work, name), authorizedKeys, extraConfig });
  stops.push(() => handle.stop());
  return handle;
}

/** A config for `devserver` at this sshd with these IdentityFiles; returns the config file and target. */
async function configFor(server: SshdHandle, identityFiles: string[]) {
  const dir = fs.mkdtempSync(path.join(work, 'client-'));
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `${server.knownHostsLines().join('\n')}\n`);
  const configFile = path.join(dir, 'config');
  const lines = [
    'Host devserver',
    '  HostName 127.0.0.1',
    `  Port ${server.port}`,
    `  User ${server.user}`,
    `  UserKnownHostsFile ${knownHosts}`,
    `  GlobalKnownHostsFile ${path.join(dir, 'global_known_hosts')}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    ...identityFiles.map((file) => `  IdentityFile ${file}`),
  ];
  fs.writeFileSync(configFile, `${lines.join('\n')}\n`);
  return { configFile, target: await resolveTarget('devserver', { configFile }) };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as TunnelError,
  );

describe.skipIf(!sshdAvailable())('ssh2 auth against OpenSSH sshd', () => {
  it('logs in with AuthenticationMethods publickey,publickey, and doctor names both keys', async () => {
    const first = path.join(work, 'first');
    const second = path.join(work, 'second');
    const server = await sshd(
      'two-keys',
      [generateKey(first, 'ed25519'), generateKey(second, 'ed25519')],
      ['AuthenticationMethods publickey,publickey'],
    );
    const { target } = await configFor(server, [first, second]);
    const observation: LoginObservation = {};
    const connection = await openConnection(target, {
      hostKeyPolicy: { acceptNewHostKey: false },
      probe: observation,
    });
    try {
      expect(await connection.exec(['echo', 'in'])).toMatchObject({ code: 0, stdout: 'in\n' });
    } finally {
      connection.close();
      await connection.closed;
    }
    expect(observation.method).toMatch(
      /^publickey ED25519 SHA256:\S{43} \+ publickey ED25519 SHA256:\S{43}$/,
    );
  });

  it('says SSH_UNSUPPORTED when the server only offers hostbased', async () => {
    const key = path.join(work, 'hb');
    const server = await sshd(
      'hostbased',
      [generateKey(key, 'ed25519')],
      ['HostbasedAuthentication yes', 'AuthenticationMethods hostbased'],
    );
    const { target } = await configFor(server, [key]);
    const error = await failure(openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } }));
    expect(error).toMatchObject({
      code: 'SSH_UNSUPPORTED',
      message: /needs hostbased/,
      hint: /--transport openssh/,
    });
  });

  it('names a user certificate ssh2 cannot offer (SSH_UNSUPPORTED) where real ssh logs in with it', async () => {
    const ca = path.join(work, 'user_ca');
    generateKey(ca, 'ed25519');
    const key = path.join(work, 'id_cert');
    generateKey(key, 'ed25519');
    const server = await sshd('user-ca', [], [`TrustedUserCAKeys ${ca}.pub`]);
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'tunnel-test', '-n', server.user, `${key}.pub`]);
    const { configFile, target } = await configFor(server, [key]);
    const error = await failure(openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } }));
    expect(error).toMatchObject({ code: 'SSH_UNSUPPORTED', hint: /--transport openssh/ });
    expect(error?.message).toContain(
      `${key}-cert.pub (a certificate: ssh2 cannot offer it; the OpenSSH transport can)`,
    );
    const ssh = execFileSync('ssh', ['-F', configFile, '-o', 'BatchMode=yes', 'devserver', 'echo', 'ok'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(ssh).toBe('ok\n');
  });
});
