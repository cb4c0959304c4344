// Keys ssh2 cannot offer (certificates, FIDO sk keys, from the agent or beside a key file) are named in
// the failure, never dropped; and an agent key accepted with partial success leads on to the next method.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { listAgentKeys, parseIdentities } from '../../../src/ssh/agent-keys.js';
import { openConnection } from '../../../src/ssh/connection.js';
import type { LoginObservation } from '../../../src/ssh/probe.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { type AuthServerOptions, makeKey, publicBlob, serveTarget } from './auth-server.js';

let dir: string;
const stops: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-auth-agent-'));
});
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const sshString = (value: Buffer | string) => {
  const data = Buffer.isBuffer(value) ? value : Buffer.from(value);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
};
const fakeBlob = (type: string) => Buffer.concat([sshString(type), sshString(Buffer.alloc(32, 7))]);

/** An agent that only lists: a certificate and a FIDO key, which ssh2's own agent client drops. */
async function fakeAgent(keys: Array<{ blob: Buffer; comment: string }>): Promise<string> {
  const socketPath = path.join(dir, `agent-${stops.length}.sock`);
  const body = Buffer.concat([
    Buffer.from([12]),
    Buffer.from([0, 0, 0, keys.length]),
    ...keys.flatMap(({ blob, comment }) => [sshString(blob), sshString(comment)]),
  ]);
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end(Buffer.concat([sshString(body)])));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return socketPath;
}

function serve(options: AuthServerOptions, overrides: Partial<SshTarget>) {
  return serveTarget({
    dir,
    options,
    onStop: (stop) => stops.push(stop),
    overrides: { identitiesOnly: false, ...overrides },
  });
}

async function login(target: SshTarget, options: { probe?: LoginObservation; answer?: string } = {}) {
  const connection = await openConnection(target, {
    hostKeyPolicy: { acceptNewHostKey: false },
    ...(options.answer ? { askSecret: async () => options.answer } : {}),
    ...(options.probe ? { probe: options.probe } : {}),
  });
  connection.close();
  await connection.closed;
}
const failure = (promise: Promise<unknown>) =>
  promise.then(() => undefined).catch((error: TunnelError) => error);

describe('keys ssh2 cannot offer', () => {
  it('names an agent certificate and an agent sk key, and says OpenSSH can (SSH_UNSUPPORTED)', async () => {
    const agent = await fakeAgent([
      { blob: fakeBlob('ssh-ed25519-cert-v01@openssh.com'), comment: 'vault cert' },
      { blob: fakeBlob('sk-ssh-ed25519@openssh.com'), comment: 'yubikey\x1b[2J' },
    ]);
    const { target } = await serve({ methods: [['publickey']] }, { identityAgent: agent });
    const error = await failure(login(target));
    expect(error).toMatchObject({ code: 'SSH_UNSUPPORTED', hint: /--transport openssh/ });
    expect(error?.message).toMatch(
      /agent certificate SHA256:\S+ \(vault cert\) ssh-ed25519-cert-v01@openssh.com \(a certificate: ssh2 cannot offer it; the OpenSSH transport can\)/,
    );
    expect(error?.message).toMatch(
      /agent key SHA256:\S+ \(yubikey\\x1b\[2J\) sk-ssh-ed25519@openssh.com \(a FIDO security key/,
    );
  });

  it('names a -cert.pub beside a key, a CertificateFile and an sk key file', async () => {
    const key = makeKey(dir, 'id_cert');
    fs.writeFileSync(`${key}-cert.pub`, 'ssh-ed25519-cert-v01@openssh.com AAAA cert\n');
    const certificateFile = path.join(dir, 'vault-cert.pub');
    fs.writeFileSync(certificateFile, 'ssh-ed25519-cert-v01@openssh.com AAAA cert\n');
    const skKey = path.join(dir, 'id_ed25519_sk');
    const skBlob = Buffer.concat([fakeBlob('sk-ssh-ed25519@openssh.com'), sshString('ssh:')]);
    fs.writeFileSync(`${skKey}.pub`, `sk-ssh-ed25519@openssh.com ${skBlob.toString('base64')} me@laptop\n`);
    const { server, target } = await serve(
      { methods: [['publickey']] },
      { identityFiles: [key, skKey], certificateFiles: [certificateFile], identitiesOnly: true },
    );
    const error = await failure(login(target));
    expect(error?.code).toBe('SSH_UNSUPPORTED');
    expect(error?.message).toContain(`tried ${key};`);
    expect(error?.message).toContain(
      `${key}-cert.pub (a certificate: ssh2 cannot offer it; the OpenSSH transport can)`,
    );
    expect(error?.message).toContain(`${certificateFile} (a certificate`);
    expect(error?.message).toContain(
      `${skKey} (a FIDO security key: ssh2 cannot use it; the OpenSSH transport can)`,
    );
    expect(server.requests).toEqual(['none', 'publickey']);
  });

  it('stays SSH_AUTH when nothing was skipped for ssh2', async () => {
    const key = makeKey(dir, 'id_plain');
    const { target } = await serve(
      { methods: [['publickey']] },
      { identityFiles: [key], identitiesOnly: true },
    );
    expect(await failure(login(target))).toMatchObject({
      code: 'SSH_AUTH',
      message: new RegExp(`tried ${key}\\.`),
    });
  });
});

describe('parseIdentities', () => {
  it('refuses an answer that claims more keys or longer strings than it holds', () => {
    const count = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    expect(() => parseIdentities(Buffer.concat([count, sshString('x')]))).toThrow(/malformed/);
    const lying = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from([0x7f, 0, 0, 0]), Buffer.alloc(8)]);
    expect(() => parseIdentities(lying)).toThrow(/malformed/);
    const one = Buffer.concat([
      Buffer.from([0, 0, 0, 1]),
      sshString(fakeBlob('ssh-ed25519')),
      sshString('c'),
    ]);
    expect(parseIdentities(one)).toEqual([{ blob: fakeBlob('ssh-ed25519'), comment: 'c' }]);
  });
});

describe('a real ssh-agent', () => {
  let agentProcess: ChildProcess | undefined;
  let socketPath: string;
  let key: string;

  beforeAll(async () => {
    socketPath = path.join(dir, 'real-agent.sock');
    agentProcess = spawn('ssh-agent', ['-D', '-a', socketPath], { stdio: 'ignore' });
    for (let waited = 0; !fs.existsSync(socketPath) && waited < 100; waited++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    key = makeKey(dir, 'id_agent');
    const ca = makeKey(dir, 'ca');
    execFileSync('ssh-keygen', ['-q', '-s', ca, '-I', 'test', '-n', 'me', `${key}.pub`]);
    execFileSync('ssh-add', ['-q', key], {
      env: { ...process.env, SSH_AUTH_SOCK: socketPath },
      stdio: 'ignore',
    });
  });
  afterAll(() => {
    agentProcess?.kill();
  });

  it('lists the certificate ssh-add loaded with the key as unusable, the key as usable', async () => {
    const listed = await listAgentKeys(socketPath, 5000);
    expect(listed.usable.map((parsed) => parsed.getPublicSSH())).toEqual([publicBlob(key)]);
    expect(listed.unusable).toEqual([
      expect.objectContaining({
        path: expect.stringContaining('agent certificate SHA256:'),
        ssh2Unusable: true,
      }),
    ]);
  });

  it('goes on to keyboard-interactive after the agent key is accepted with partial success', async () => {
    const { server, target } = await serve(
      {
        methods: [['publickey', 'keyboard-interactive']],
        authorizedKeys: [publicBlob(key)],
        keyboard: { prompts: [{ prompt: 'OTP: ', echo: false }], answers: ['777'] },
      },
      { identityAgent: socketPath },
    );
    await login(target, { answer: '777' });
    expect(server.requests).toEqual(['none', 'publickey?', 'publickey', 'none', 'keyboard-interactive']);
    expect(server.answers).toEqual([['777']]);
  });
});
