// How an attempt that ends before login is classified, from what real loopback TCP servers do: a TCP
// proxy in front of a stopped sshd accepts and closes (or resets) before any SSH banner, which the
// supervisor may retry as quickly as a refusal (retry-policy.ts rule 2); a server that said SSH-2.0-… and then closed is an
// ordinary failure, and so is a stream handed to ssh2 that closes so (connect-errors.ts says why).
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthPlan } from '../../../src/ssh/auth.js';
import {
  mapConnectError,
  NO_SSH_IDENT,
  resetNoSocketNotice,
  silentPeer,
} from '../../../src/ssh/connect-errors.js';
import { handshake, PausableDeadline } from '../../../src/ssh/handshake.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { nothingAnswered } from '../../../src/supervisor/backoff.js';

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();

beforeEach(() => resetNoSocketNotice());

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server that does `onSocket` with each connection; its port. */
async function serve(onSocket: (socket: net.Socket) => void): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    sockets.add(socket);
    onSocket(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function attempt(port: number, sock?: net.Socket): Promise<unknown> {
  const target = { alias: 'devserver', hostName: '127.0.0.1', port, user: 'dev' } as SshTarget;
  return handshake({
    target,
    sock,
    verifier: { verify: () => {}, serverHostKeyAlgorithms: ['ssh-ed25519'], error: undefined, warnings: [] },
    auth: { handler: () => {}, failure: () => new Error('auth') } as unknown as AuthPlan,
    deadline: new PausableDeadline(10_000),
    keepalive: { intervalMs: 0, countMax: 3 },
    signal: undefined,
  }).catch((caught: unknown) => caught);
}

describe('an attempt that ends before login', () => {
  it('accepted and closed at once (a TCP proxy, sshd down behind it): nothing that speaks SSH answered', async () => {
    const port = await serve((socket) => socket.end());
    const error = (await attempt(port)) as Error;
    expect(error.message).toContain('closed before the server sent its SSH identification');
    expect(nothingAnswered(error)).toBe('closed-before-ident');
  });

  it('accepted and reset before the banner: the same', async () => {
    const port = await serve((socket) => socket.resetAndDestroy());
    const error = (await attempt(port)) as Error;
    expect(error.message).toContain('reset before the server sent its SSH identification');
    expect(nothingAnswered(error)).toBe('closed-before-ident');
  });

  it('a server that sent its SSH banner and then closed reached SSH: an ordinary failure', async () => {
    const port = await serve((socket) => socket.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'));
    const error = (await attempt(port)) as Error;
    expect(error.message).toContain('connection closed during login');
    expect(nothingAnswered(error)).toBe(undefined);
  });

  it('a stream we handed ssh2 (ProxyCommand, a jump) that closes before the banner stays an ordinary failure', async () => {
    // A real TCP socket, so only the "ssh2 dialed it itself" rule keeps it ordinary.
    const port = await serve((socket) => socket.end());
    const sock = net.connect(port, '127.0.0.1');
    sockets.add(sock);
    await new Promise((resolve) => sock.once('connect', resolve));
    const error = (await attempt(22, sock)) as Error;
    expect(error.message).not.toContain('identification');
    expect(nothingAnswered(error)).toBe(undefined);
  });

  it('refused (nothing listens) is still told apart by its ECONNREFUSED', async () => {
    // Port 1: nothing listens there, and no unprivileged process (another test worker) can take it.
    expect(nothingAnswered(await attempt(1))).toBe('refused');
  });

  it('a timeout or no route with nothing read keeps its own meaning', () => {
    const target = { alias: 'devserver', hostName: '127.0.0.1', port: 22, user: 'dev' } as SshTarget;
    for (const code of ['ETIMEDOUT', 'EHOSTUNREACH']) {
      const error = mapConnectError(target, Object.assign(new Error(code), { code }), { beforeIdent: true });
      expect(nothingAnswered(error)).toBe(undefined);
      expect(error.message).not.toContain('identification');
    }
  });
});

describe('silentPeer', () => {
  it('reads the bytes received on the TCP socket ssh2 dialed', () => {
    const sock = new net.Socket();
    const silent = silentPeer(sock);
    expect(silent?.()).toBe(true);
    expect(NO_SSH_IDENT).toBe('ENOSSHIDENT');
  });

  it('without that socket (another ssh2) it classifies nothing and says so once', () => {
    const log = vi.fn();
    expect(silentPeer(undefined, log)).toBeUndefined();
    expect(silentPeer(new PassThrough(), log)).toBeUndefined();
    expect(log).toHaveBeenCalledOnce();
    expect(log.mock.calls[0]?.[0]).toContain('_sock');
  });
});
