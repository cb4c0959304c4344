// Issue 12, against real OpenSSH sshd on loopback ports: the algorithm options of ssh_config reach ssh2
// (legacy ones the user enabled work, a server ssh2 shares nothing with is SSH_UNSUPPORTED so auto can
// use OpenSSH), and HostKeyAlias on a port other than 22 is looked up and recorded as the bare alias.
// Each case asks the real `ssh` the same question with the same config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection } from '../../src/ssh/connection.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import { run } from '../devserver/client.js';
import { generateKey, type KeyType, type SshdHandle, sshdAvailable, startSshd } from '../devserver/sshd.js';
import { writeSshConfig } from './local-sshd.js';

let work: string;
let key: string;
let clientPublic: string;
const servers: SshdHandle[] = [];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-algos-'));
  key = path.join(work, 'id_ed25519');
  clientPublic = generateKey(key, 'ed25519');
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

interface Case {
  name: string;
  hostKeyTypes?: KeyType[];
  /** sshd_config lines. */
  server: string[];
  /** Host block lines of the client's ssh config. */
  client: string[];
  /** known_hosts text; default: the server's keys as `[127.0.0.1]:port`. */
  knownHosts?: (sshd: SshdHandle) => string;
}

/** Starts the case's sshd and writes its client config; returns the config file and known_hosts path. */
async function setUp(c: Case) {
  const dir = path.join(work, c.name);
  fs.mkdirSync(dir);
  const sshd = await startSshd({
    dir: path.join(dir, 'sshd'),
    hostKeyTypes: c.hostKeyTypes ?? ['ed25519'],
    authorizedKeys: [clientPublic],
    extraConfig: c.server,
  });
  servers.push(sshd);
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, c.knownHosts ? c.knownHosts(sshd) : `${sshd.knownHostsLines().join('\n')}\n`);
  const config = writeSshConfig({ work: dir, sshd, key, knownHosts, extra: c.client });
  return { sshd, config, knownHosts };
}

/** Our login (then close): undefined on success, else the error's code and message. */
async function tunnelLogin(config: string): Promise<{ code?: string; message: string } | undefined> {
  try {
    const target = await resolveTarget('devserver', { configFile: config });
    const connection = await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } });
    connection.close();
    await connection.closed;
    return undefined;
  } catch (error) {
    return error as { code?: string; message: string };
  }
}

const sshLogin = (config: string) => run('ssh', ['-F', config, '-o', 'BatchMode=yes', 'devserver', 'true']);

describe.skipIf(!sshdAvailable())('ssh_config algorithm options against real sshd', () => {
  it('HostKeyAlgorithms +ssh-rsa reaches a server whose only host key algorithm is ssh-rsa', async () => {
    const base = { hostKeyTypes: ['rsa'] as KeyType[], server: ['HostKeyAlgorithms ssh-rsa'] };
    const plain = await setUp({ name: 'rsa-default', ...base, client: [] });
    const refused = await tunnelLogin(plain.config);
    expect(refused?.code).toBe('SSH_UNSUPPORTED');
    expect(refused?.message).toContain('no host key format that ssh2 supports (HostKeyAlgorithms)');
    expect((await sshLogin(plain.config)).stderr).toContain('no matching host key type found');

    const enabled = await setUp({ name: 'rsa-plus', ...base, client: ['HostKeyAlgorithms +ssh-rsa'] });
    expect((await sshLogin(enabled.config)).code).toBe(0);
    expect(await tunnelLogin(enabled.config)).toBeUndefined();
  });

  it('KexAlgorithms +diffie-hellman-group14-sha1 reaches a server that allows only that', async () => {
    const server = ['KexAlgorithms diffie-hellman-group14-sha1'];
    const plain = await setUp({ name: 'kex-default', server, client: [] });
    const refused = await tunnelLogin(plain.config);
    expect(refused?.code).toBe('SSH_UNSUPPORTED');
    expect(refused?.message).toContain('(KexAlgorithms)');
    expect((await sshLogin(plain.config)).stderr).toContain('no matching key exchange method found');

    const client = ['KexAlgorithms +diffie-hellman-group14-sha1'];
    const enabled = await setUp({ name: 'kex-plus', server, client });
    expect((await sshLogin(enabled.config)).code).toBe(0);
    expect(await tunnelLogin(enabled.config)).toBeUndefined();
  });

  it('a post-quantum-only server (sntrup761x25519) is SSH_UNSUPPORTED for ssh2; real ssh gets in', async () => {
    const only = await setUp({
      name: 'kex-pq',
      server: ['KexAlgorithms sntrup761x25519-sha512@openssh.com'],
      client: [],
    });
    expect((await sshLogin(only.config)).code).toBe(0);
    const refused = await tunnelLogin(only.config);
    expect(refused?.code).toBe('SSH_UNSUPPORTED');
    // The client side alone can say so too, before any connection: nothing in the list is ssh2's.
    const pqClient = await setUp({
      name: 'kex-pq-client',
      server: [],
      client: ['KexAlgorithms sntrup761x25519-sha512@openssh.com'],
    });
    expect(await tunnelLogin(pqClient.config)).toMatchObject({
      code: 'SSH_UNSUPPORTED',
      message: 'KexAlgorithms sntrup761x25519-sha512@openssh.com for devserver: ssh2 supports none of these',
    });
  });

  it('Ciphers and MACs: a CBC/SHA-1-only server needs them enabled, as with ssh', async () => {
    const server = ['Ciphers aes128-cbc', 'MACs hmac-sha1'];
    const plain = await setUp({ name: 'cbc-default', server, client: [] });
    expect((await tunnelLogin(plain.config))?.code).toBe('SSH_UNSUPPORTED');
    expect((await sshLogin(plain.config)).code).toBe(255);
    const enabled = await setUp({ name: 'cbc-plus', server, client: ['Ciphers +aes128-cbc'] });
    expect((await sshLogin(enabled.config)).code).toBe(0);
    expect(await tunnelLogin(enabled.config)).toBeUndefined();
  });
});

describe.skipIf(!sshdAvailable())('HostKeyAlias on a port other than 22 (as real ssh)', () => {
  it('records and finds the bare alias, never [alias]:port', async () => {
    const c: Case = {
      name: 'alias',
      server: [],
      client: ['HostKeyAlias devbox', 'StrictHostKeyChecking accept-new'],
      knownHosts: () => '',
    };
    const { sshd, config, knownHosts } = await setUp(c);
    expect(sshd.port).not.toBe(22);
    const hostKey = sshd.hostKeys[0]!.publicKey;

    // accept-new on an empty file: both write the same line, the bare alias.
    expect(await tunnelLogin(config)).toBeUndefined();
    const ours = fs.readFileSync(knownHosts, 'utf8');
    fs.writeFileSync(knownHosts, '');
    expect((await sshLogin(config)).code).toBe(0);
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(ours);
    expect(ours).toBe(`devbox ${hostKey}\n`);

    // Known as the bare alias: both log in and write nothing more.
    expect(await tunnelLogin(config)).toBeUndefined();
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe(ours);

    // Only `[devbox]:port` known: not this host for either (StrictHostKeyChecking yes refuses it).
    const strict = writeSshConfig({
      work: path.join(work, 'alias'),
      sshd,
      key,
      knownHosts,
      extra: ['HostKeyAlias devbox', 'StrictHostKeyChecking yes'],
    });
    fs.writeFileSync(knownHosts, `[devbox]:${sshd.port} ${hostKey}\n`);
    expect((await tunnelLogin(strict))?.code).toBe('HOST_KEY_UNKNOWN');
    expect((await sshLogin(strict)).stderr).toContain('Host key verification failed');
  });
});
