// src/ssh against a real OpenSSH sshd on loopback: auth, host keys, exec quoting, forwards, jumps.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TunnelError } from '../../src/errors.js';
import { type OpenConnectionOptions, openConnection } from '../../src/ssh/connection.js';
import { fingerprintSha256 } from '../../src/ssh/known-hosts.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import type { SshConnection } from '../../src/ssh/types.js';
import { generateKey, type SshdHandle, sshdAvailable, startSshd } from '../devserver/sshd.js';

let work: string;
let key: string;
let sshd: SshdHandle;
let jumpd: SshdHandle;
let testDir: string;
const connections: SshConnection[] = [];
const cleanups: Array<() => Promise<void> | void> = [];

async function newSshd(name: string): Promise<SshdHandle> {
  const remoteHome = path.join(work, `${name}-home`);
  fs.mkdirSync(remoteHome, { recursive: true });
  const handle = await startSshd({
    dir: path.join(work, name),
    authorizedKeys: [
      fs.readFileSync(`${key}.pub`, 'utf8').trim(),
      generateKey(path.join(work, 'agent_key'), 'ed25519'),
    ],
    setEnv: { HOME: remoteHome },
  });
  cleanups.push(() => handle.stop());
  return handle;
}

const knownHostsFile = () => path.join(testDir, 'known_hosts');

function hostBlock(alias: string, server: SshdHandle, extra: string[] = []): string {
  return [
    `Host ${alias}`,
    '  HostName 127.0.0.1',
    `  Port ${server.port}`,
    `  User ${server.user}`,
    `  UserKnownHostsFile ${knownHostsFile()}`,
    `  GlobalKnownHostsFile ${path.join(testDir, 'global_known_hosts')}`,
    '  IdentitiesOnly yes',
    ...extra.map((line) => `  ${line}`),
    ...(extra.some((line) => /^IdentityFile /.test(line)) ? [] : [`  IdentityFile ${key}`]),
    ...(extra.some((line) => /^IdentityAgent /.test(line)) ? [] : ['  IdentityAgent none']),
    '',
  ].join('\n');
}

/** Writes the per-test ssh config and known_hosts; returns the resolved `devserver` target. */
interface SetupOptions {
  server?: SshdHandle;
  extra?: string[];
  knownHosts?: string[];
  more?: string;
}

async function setup(options: SetupOptions = {}) {
  const configFile = path.join(testDir, 'config');
  const server = options.server ?? sshd;
  fs.writeFileSync(configFile, hostBlock('devserver', server, options.extra) + (options.more ?? ''));
  const lines = options.knownHosts ?? server.knownHostsLines();
  if (lines.length > 0) fs.writeFileSync(knownHostsFile(), `${lines.join('\n')}\n`);
  const target = await resolveTarget('devserver', { configFile });
  return { configFile, target };
}

async function connect(options: SetupOptions = {}, open?: Partial<OpenConnectionOptions>) {
  const { configFile, target } = await setup(options);
  const connection = await openConnection(target, {
    hostKeyPolicy: { acceptNewHostKey: false },
    resolveHop: (alias) => resolveTarget(alias, { configFile }),
    ...open,
  });
  connections.push(connection);
  return connection;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as TunnelError,
  );

/** sshd's per-connection processes (they outlive the listener, as on a real server): pids by walking /proc. */
function descendants(pid: number): number[] {
  const children = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // exited meanwhile
      }
    })
    .map(Number);
  return children.flatMap((child) => [child, ...descendants(child)]);
}

function signalSessions(server: SshdHandle, signal: NodeJS.Signals): void {
  for (const pid of descendants(server.pid() ?? -1)) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function readAll(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

describe.skipIf(!sshdAvailable())('ssh against a real sshd', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-ssh-it-'));
    key = path.join(work, 'id_ed25519');
    generateKey(key, 'ed25519');
    sshd = await newSshd('sshd');
    jumpd = await newSshd('jumpd');
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  });

  beforeEach(() => {
    testDir = fs.mkdtempSync(path.join(work, 'test-'));
  });

  afterEach(async () => {
    for (const connection of connections.splice(0)) {
      connection.close();
      await connection.closed;
    }
  });

  it('logs in with a key and passes hostile arguments verbatim (no remote shell injection)', async () => {
    const connection = await connect();
    const marker = `/tmp/pwned-${randomUUID()}`;
    const hostile = [
      `x; touch ${marker}`,
      '$(id)',
      '`id`',
      'two\nlines',
      `it's "quoted"`,
      '*',
      '',
      '\\',
      '$HOME',
      '|&;<>',
    ];
    const result = await connection.exec(['printf', '%s\\0', ...hostile]);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\0')).toEqual([...hostile, '']);
    expect(fs.existsSync(marker)).toBe(false);
    const shell = await connection.execShell(`printf '%s' "it's $((40 + 2))"; echo oops >&2; exit 7`);
    expect(shell).toMatchObject({ stdout: "it's 42", stderr: 'oops\n', code: 7 });
    expect((await connection.exec(['cat'], { stdin: 'from stdin' })).stdout).toBe('from stdin');
  });

  it('logs in through a real ssh-agent (private key only in the agent)', async () => {
    const socket = path.join(testDir, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    cleanups.push(async () => {
      if (agent.exitCode === null && agent.signalCode === null) {
        const exited = new Promise((resolve) => agent.once('exit', resolve));
        agent.kill('SIGTERM');
        await exited;
      }
    });
    await waitFor(() => fs.existsSync(socket));
    const agentKey = path.join(testDir, 'agent_key');
    fs.copyFileSync(path.join(work, 'agent_key'), agentKey);
    fs.copyFileSync(path.join(work, 'agent_key.pub'), `${agentKey}.pub`);
    fs.chmodSync(agentKey, 0o600);
    execFileSync('ssh-add', ['-q', agentKey], {
      env: { ...process.env, SSH_AUTH_SOCK: socket },
      stdio: 'ignore',
    });
    fs.rmSync(agentKey); // only agent_key.pub is left: IdentitiesOnly picks the agent key by it
    const connection = await connect({ extra: [`IdentityFile ${agentKey}`, `IdentityAgent ${socket}`] });
    expect((await connection.exec(['echo', 'agent ok'])).stdout).toBe('agent ok\n');
  });

  it('fails clearly for an encrypted key without a terminal, naming it and suggesting ssh-add', async () => {
    const encrypted = path.join(testDir, 'id_encrypted');
    generateKey(encrypted, 'ed25519', 'correct horse');
    const error = await failure(connect({ extra: [`IdentityFile ${encrypted}`] }));
    expect(error.code).toBe('SSH_AUTH');
    expect(error.message).toContain(encrypted);
    expect(error.message).not.toContain('correct horse');
    expect(error.hint).toContain(`ssh-add ${encrypted}`);
  });

  it('names every key it tried when the server refuses them', async () => {
    const stranger = path.join(testDir, 'id_stranger');
    generateKey(stranger, 'ecdsa');
    const error = await failure(connect({ extra: [`IdentityFile ${stranger}`] }));
    expect(error.code).toBe('SSH_AUTH');
    expect(error.message).toContain(`tried ${stranger}`);
    expect(error.message).toContain(`${sshd.user}@127.0.0.1:${sshd.port}`);
  });

  it('refuses a changed host key with file:line and the new fingerprint', async () => {
    const other = generateKey(path.join(work, 'other_host_key'), 'ed25519').split(' ').slice(0, 2).join(' ');
    const error = await failure(
      connect({ knownHosts: ['# old entry', `[127.0.0.1]:${sshd.port} ${other}`] }),
    );
    const presented = Buffer.from(sshd.hostKeys[0]?.publicKey.split(' ')[1] ?? '', 'base64');
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain(`${knownHostsFile()}:2`);
    expect(error.message).toContain(fingerprintSha256(presented));
    expect(error.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}' -f ${knownHostsFile()}`);
  });

  it('refuses an unknown host without a terminal and writes nothing', async () => {
    const error = await failure(connect({ knownHosts: [] }));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.hint).toMatch(/ssh devserver.*--accept-new-host-key/);
    expect(fs.existsSync(knownHostsFile())).toBe(false);
  });

  it('acceptNewHostKey appends a line that the real ssh then accepts with StrictHostKeyChecking=yes', async () => {
    const connection = await connect({ knownHosts: [] }, { hostKeyPolicy: { acceptNewHostKey: true } });
    expect((await connection.exec(['true'])).code).toBe(0);
    const sshArgs = [
      '-F',
      path.join(testDir, 'config'),
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
    ];
    expect(execFileSync('ssh', [...sshArgs, 'devserver', 'echo', 'real-ssh-ok'], { encoding: 'utf8' })).toBe(
      'real-ssh-ok\n',
    );
  });

  it('matches a hashed known_hosts entry made by ssh-keygen -H', async () => {
    await setup();
    execFileSync('ssh-keygen', ['-H', '-f', knownHostsFile()], { stdio: 'ignore' });
    expect(fs.readFileSync(knownHostsFile(), 'utf8')).toMatch(/^\|1\|/);
    const connection = await connect({
      knownHosts: fs.readFileSync(knownHostsFile(), 'utf8').trim().split('\n'),
    });
    expect((await connection.exec(['true'])).code).toBe(0);
  });

  it('refuses a key marked @revoked', async () => {
    const revoked = `@revoked * ${sshd.hostKeys[0]?.publicKey}`;
    const error = await failure(connect({ knownHosts: [revoked, ...sshd.knownHostsLines()] }));
    expect(error.code).toBe('HOST_KEY_REVOKED');
  });

  it('goes through a ProxyJump host, verified under its own name, and closes it with the connection', async () => {
    const jumpBlock = hostBlock('jump', jumpd);
    const knownHosts = [...sshd.knownHostsLines(), ...jumpd.knownHostsLines()];
    const connection = await connect({ extra: ['ProxyJump jump'], more: jumpBlock, knownHosts });
    expect((await connection.exec(['echo', 'via jump'])).stdout).toBe('via jump\n');
    expect(fs.readFileSync(jumpd.logFile, 'utf8')).toMatch(/Accepted publickey/);
    connection.close();
    expect((await connection.closed).kind).toBe('local');
    await waitFor(() => /Disconnected from user/.test(fs.readFileSync(jumpd.logFile, 'utf8')));

    const error = await failure(
      connect({ extra: ['ProxyJump jump'], more: jumpBlock, knownHosts: sshd.knownHostsLines() }),
    );
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toContain(`[127.0.0.1]:${jumpd.port}`);
  });

  it('uses a ProxyCommand (the real `ssh -W` through the jump host)', async () => {
    const configFile = path.join(testDir, 'config');
    const proxy = `ProxyCommand ssh -F ${configFile} -o BatchMode=yes -W %h:%p jump`;
    const knownHosts = [...sshd.knownHostsLines(), ...jumpd.knownHostsLines()];
    const connection = await connect({ extra: [proxy], more: hostBlock('jump', jumpd), knownHosts });
    expect((await connection.exec(['echo', 'via proxy'])).stdout).toBe('via proxy\n');
  });

  it('forwardOut moves bytes both ways with half-close; a closed port fails without killing the connection', async () => {
    const server = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      // Answer only after our EOF arrived: proves the half-close travels through the channel.
      socket.on('end', () => socket.end(`got:${Buffer.concat(chunks).toString()}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as net.AddressInfo).port;
    const connection = await connect();
    const channel = await connection.forwardOut('127.0.0.1', port);
    const reply = readAll(channel);
    channel.end('hello through ssh');
    expect(await reply).toBe('got:hello through ssh');

    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const free = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const error = await failure(connection.forwardOut('127.0.0.1', closedPort));
    expect(error).toBeInstanceOf(TunnelError);
    expect(error.message).toContain(`127.0.0.1:${closedPort}`);
    expect(error.hint).toMatch(/Nothing accepts connections/);
    expect((await connection.exec(['echo', 'still alive'])).stdout).toBe('still alive\n');
  });

  it('maps a refused port and a silent server to SSH_CONNECT with host:port and an ssh -v hint', async () => {
    const { target } = await setup();
    const policy = { hostKeyPolicy: { acceptNewHostKey: false } };
    const silent = net.createServer(() => {}); // accepts TCP, never speaks SSH
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    silent.close(); // stop accepting; the port stays closed afterwards for the refused case
    const refused = await failure(openConnection({ ...target, port: silentPort }, policy));
    expect(refused.code).toBe('SSH_CONNECT');
    expect(refused.message).toContain(`127.0.0.1:${silentPort}`);
    expect(refused.message).toMatch(/connection refused/);
    expect(refused.hint).toBe('Check that plain ssh works: ssh -v devserver');

    const mute = net.createServer((socket) => {
      cleanups.push(() => {
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => mute.close(() => resolve())));
    const mutePort = (mute.address() as net.AddressInfo).port;
    const started = Date.now();
    const timedOut = await failure(
      openConnection({ ...target, port: mutePort }, { ...policy, readyTimeoutMs: 400 }),
    );
    expect(timedOut.code).toBe('SSH_CONNECT');
    expect(timedOut.message).toMatch(/no SSH handshake within/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("resolves `closed` with kind 'remote' when the server goes away", async () => {
    const own = await newSshd(`lonely-${randomUUID().slice(0, 8)}`);
    const connection = await connect({ server: own });
    expect(connection.target.port).toBe(own.port);
    signalSessions(own, 'SIGTERM');
    await own.stop();
    expect((await connection.closed).kind).toBe('remote');
  });

  it("resolves `closed` with kind 'keepalive' when the server stops answering", async () => {
    const own = await newSshd(`frozen-${randomUUID().slice(0, 8)}`);
    cleanups.unshift(() => signalSessions(own, 'SIGKILL'));
    const connection = await connect({ server: own }, { keepaliveIntervalMs: 300, keepaliveCountMax: 2 });
    signalSessions(own, 'SIGSTOP');
    const started = Date.now();
    const reason = await connection.closed;
    expect(reason.kind).toBe('keepalive');
    expect(Date.now() - started).toBeLessThan(5000);
    signalSessions(own, 'SIGKILL');
  });
});
