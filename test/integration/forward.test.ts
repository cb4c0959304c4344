// The forwarding layer over real loopback TCP. The "SSH channel" here is a plain TCP connection to a
// local server, so these tests pin down listener and pipe behaviour without sshd in the way.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ListenerSet } from '../../src/forward/listener-set.js';
import type { ChannelOpener, ListenerOptions } from '../../src/forward/types.js';
import type { ForwardSpec } from '../../src/plan/types.js';
import { forwardFixtures, spec, tcpOpener } from './forward-fixtures.js';

const fixtures = forwardFixtures();
const { listen, freePort } = fixtures;

/** Answers "ok" and drains what the client sends, so the client's EOF is seen and the socket closes. */
function answerOk(socket: net.Socket): void {
  socket.resume();
  socket.end('ok');
}

function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(payload));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}

/** null = the session is down (no opener yet). */
function startSet(
  specs: ForwardSpec[],
  opener: ChannelOpener | null = tcpOpener,
  options: ListenerOptions = {},
) {
  return fixtures.startSet(specs, opener ?? undefined, options);
}

describe('forward listener', () => {
  it('carries a reply after the client half-closes (EOF passed through, reply still delivered)', async () => {
    // The server answers only once it has seen the client's EOF: this fails if half-close is lost.
    const remote = await listen((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => socket.end(`got ${Buffer.concat(chunks).length} bytes`));
    });
    const local = await freePort();
    const set = await startSet([spec(local, remote)]);
    const reply = await roundTrip(local, Buffer.from('hello'));
    expect(reply.toString()).toBe('got 5 bytes');
    await expect.poll(() => set.snapshot()[0]!.stats.open).toBe(0);
    const stats = set.snapshot()[0]!.stats;
    expect(stats).toMatchObject({ total: 1, bytesOut: 5, bytesIn: 11, failed: 0 });
  });

  it('moves 32 MiB both ways intact through a slow reader (backpressure, no loss)', async () => {
    const remote = await listen((socket) => socket.pipe(socket));
    const local = await freePort();
    await startSet([spec(local, remote)]);
    const payload = randomBytes(32 * 1024 * 1024);
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const socket = net.connect({ port: local, host: '127.0.0.1', allowHalfOpen: true }, () =>
        socket.end(payload),
      );
      // Read slowly at first so buffers fill and backpressure has to hold the sender.
      socket.pause();
      setTimeout(() => socket.resume(), 300);
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
      socket.on('error', reject);
    });
    const digest = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
    expect(echoed.length).toBe(payload.length);
    expect(digest(echoed)).toBe(digest(payload));
  });

  it('closes only the client whose channel is refused; the listener keeps serving', async () => {
    const remote = await listen(answerOk);
    const local = await freePort();
    let refuseNext = true;
    const opener: ChannelOpener = (target, source) => {
      if (refuseNext) {
        refuseNext = false;
        return Promise.reject(new Error('(SSH) Channel open failure: Connection refused'));
      }
      return tcpOpener(target, source);
    };
    const set = await startSet([spec(local, remote)], opener);
    const refused = await roundTrip(local, Buffer.from('x')).catch((error: Error) => error);
    expect(refused instanceof Error ? '' : refused.toString()).toBe('');
    expect((await roundTrip(local, Buffer.from('x'))).toString()).toBe('ok');
    const stats = set.snapshot()[0]!.stats;
    expect(stats.failed).toBe(1);
    expect(stats.lastError).toContain('Connection refused');
  });

  it('reports a busy local port as a PORT error with the lsof hint, and starts the other forwards', async () => {
    const busy = await listen(() => {});
    const free = await freePort();
    const remote = await listen(answerOk);
    const set = fixtures.track(new ListenerSet(tcpOpener, () => {}));
    const result = await set.apply([spec(busy, remote, 'a'), spec(free, remote, 'b')]);
    expect(result.started.map((s) => s.id)).toEqual(['b']);
    expect(result.failed[0]?.error).toMatchObject({ code: 'PORT', hint: expect.stringContaining('lsof') });
  });

  it('applies a plan idempotently and frees the port of a removed forward at once', async () => {
    const remote = await listen(answerOk);
    const [a, b] = [await freePort(), await freePort()];
    const set = await startSet([spec(a, remote, 'a'), spec(b, remote, 'b')]);
    const again = await set.apply([spec(a, remote, 'a'), spec(b, remote, 'b')]);
    expect(again).toEqual({ started: [], stopped: [], failed: [], retargeted: [] });
    const shrink = await set.apply([spec(a, remote, 'a')]);
    expect(shrink.stopped.map((s) => s.id)).toEqual(['b']);
    // The freed port can be bound by someone else right away.
    const rebound = net.createServer();
    await new Promise<void>((resolve) => rebound.listen(b, '127.0.0.1', resolve));
    await new Promise((resolve) => rebound.close(resolve));
  });
});

/** Connects, sends `payload` then EOF, and resolves with everything received and how the socket ended. */
function exchange(port: number, payload: string) {
  const chunks: Buffer[] = [];
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(payload));
  socket.on('data', (chunk) => chunks.push(chunk));
  const ended = new Promise<{ reply: string; error: string | undefined }>((resolve) => {
    socket.on('error', (error) => resolve({ reply: Buffer.concat(chunks).toString(), error: error.message }));
    socket.on('close', () => resolve({ reply: Buffer.concat(chunks).toString(), error: undefined }));
  });
  return { socket, ended };
}

async function expectBound(port: number): Promise<void> {
  const probe = net.createServer();
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    probe.once('error', resolve);
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(undefined));
  });
  if (!error) await new Promise((resolve) => probe.close(resolve));
  expect(error?.code).toBe('EADDRINUSE');
}

describe('forward listener while the session is down', () => {
  it('holds a connection accepted without an opener and serves it once one is set', async () => {
    const remote = await listen((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => socket.end(`late ${Buffer.concat(chunks).toString()}`));
    });
    const local = await freePort();
    const set = await startSet([spec(local, remote)], null);
    const client = exchange(local, 'request');
    await expect.poll(() => set.snapshot()[0]!.stats.held).toBe(1);
    await expectBound(local);
    set.setOpener(tcpOpener);
    expect(await client.ended).toEqual({ reply: 'late request', error: undefined });
    expect(set.snapshot()[0]!.stats).toMatchObject({ held: 0, heldTimedOut: 0, total: 1, bytesOut: 7 });
  });

  it('closes a held connection after the hold timeout and counts it', async () => {
    const local = await freePort();
    const set = await startSet([spec(local, 9)], null, { holdTimeoutMs: 150 });
    const client = exchange(local, 'request');
    await expect.poll(() => set.snapshot()[0]!.stats.held).toBe(1);
    expect((await client.ended).reply).toBe('');
    await expect.poll(() => set.snapshot()[0]!.stats.open).toBe(0);
    expect(set.snapshot()[0]!.stats).toMatchObject({ held: 0, heldTimedOut: 1, failed: 0 });
    expect(set.snapshot()[0]!.stats.lastError).toContain('session down');
    await expectBound(local);
  });

  it('keeps the port bound through down and up, drops in-flight connections and counts them', async () => {
    const remoteSockets: net.Socket[] = [];
    const remote = await listen((socket) => {
      remoteSockets.push(socket);
      socket.resume();
    });
    const echo = await listen((socket) => socket.pipe(socket));
    const local = await freePort();
    const set = await startSet([spec(local, remote)]);
    const inFlight = exchange(local, 'never answered');
    await expect.poll(() => set.snapshot()[0]!.stats.bytesOut).toBe(14);
    set.setOpener(undefined);
    await inFlight.ended;
    expect(set.snapshot()[0]!.stats.dropped).toBe(1);
    await expectBound(local);
    // Back up through another "connection" (here: another server) and serving again.
    set.setOpener((target, source) => tcpOpener({ ...target, remotePort: echo }, source));
    expect((await exchange(local, 'again').ended).reply).toBe('again');
    await expectBound(local);
    // The dropped channel's far end stays half-open (allowHalfOpen); close it so the server can close.
    for (const socket of remoteSockets) socket.destroy();
  });

  it('moves a client whose channel open hangs on a dead connection over to the new one', async () => {
    const remote = await listen(answerOk);
    const local = await freePort();
    const hanging: ChannelOpener = () => new Promise<Duplex>(() => {});
    const set = await startSet([spec(local, remote)], hanging);
    const client = exchange(local, 'x');
    await expect.poll(() => set.snapshot()[0]!.stats.total).toBe(1);
    set.setOpener(undefined);
    await expect.poll(() => set.snapshot()[0]!.stats.held).toBe(1);
    set.setOpener(tcpOpener);
    expect((await client.ended).reply).toBe('ok');
    expect(set.snapshot()[0]!.stats).toMatchObject({ failed: 0, dropped: 0, held: 0 });
  });
});
