// What a forward holds for a local client that never reads, through a real sshd: one SSH window (plus
// the local socket's queue), not a window buffered and another in flight; and all of it is let go
// when the client leaves. Counts bytes on the channel, never RSS (that is the bench's row).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ListenerSet } from '../../src/forward/listener-set.js';
import type { SshConnection } from '../../src/ssh/types.js';
import { forwardSpec } from '../builders.js';
import { sshdAvailable } from '../devserver/sshd.js';
import { connectToLocalSshd, type LocalSshd } from './local-sshd.js';

const MiB = 1024 * 1024;
/** ssh2's receive window for a channel (lib/Channel.js MAX_WINDOW). */
const MAX_WINDOW = 2 * MiB;

interface Ssh2Channel extends Duplex {
  incoming: { window: number };
}

let work: string;
let local: LocalSshd | undefined;
let connection: SshConnection;
let source: net.Server;
let sourcePort: number;
const sets: ListenerSet[] = [];
const clients: net.Socket[] = [];
/** Bytes the source has handed to its sockets, over all connections. */
let sourceWritten = 0;

/** Sends without end (with backpressure) until the peer goes away. */
function serveEndless(socket: net.Socket): void {
  socket.on('error', () => {});
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const next = () => {
    while (!socket.destroyed) {
      sourceWritten += chunk.length;
      if (!socket.write(chunk)) return void socket.once('drain', next);
    }
  };
  next();
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** A forward to the endless source; every channel it opens and every left-behind report are kept. */
async function startForward() {
  const channels: Ssh2Channel[] = [];
  const leftBehind: number[] = [];
  const set = new ListenerSet(
    async (spec, from) => {
      const channel = await connection.forwardOut(spec.remoteHost, spec.remotePort, from);
      channels.push(channel as Ssh2Channel);
      return channel;
    },
    () => {},
    { onLeftBehind: (bytes) => leftBehind.push(bytes) },
  );
  sets.push(set);
  const localPort = await freePort();
  expect((await set.apply([forwardSpec({ remotePort: sourcePort, localPort })])).failed).toEqual([]);
  return { set, channels, leftBehind, localPort };
}

/** Polls until the source has written nothing for 1 s: every buffer on the way is full. */
async function stalled(): Promise<void> {
  const value = () => sourceWritten;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const now = value();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= 1000) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!sshdAvailable())('a forward with a local client that never reads (real sshd)', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-memory-it-'));
    local = await connectToLocalSshd(work);
    connection = local.connection;
    source = net.createServer(serveEndless);
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourcePort = (source.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await Promise.all(sets.splice(0).map((set) => set.stopAll()));
  });

  afterAll(async () => {
    await local?.stop();
    await new Promise((resolve) => source?.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('holds at most one window for it: what is buffered plus what the server may still send', async () => {
    const { channels, localPort } = await startForward();
    const client = net.connect({ host: '127.0.0.1', port: localPort });
    clients.push(client);
    client.pause();
    await expect.poll(() => channels.length).toBe(1);
    const channel = channels[0]!;
    // Once the kernel buffers are full and the flow stopped: the channel's readable buffer plus the
    // window the server still has. Before: 2 MiB buffered plus a further window granted while paused.
    await stalled();
    expect(channel.readableLength + channel.incoming.window).toBeLessThanOrEqual(MAX_WINDOW);
    // Not stuck: once the client reads, the window is granted again and data flows.
    let read = 0;
    client.on('data', (chunk: Buffer) => {
      read += chunk.length;
    });
    client.resume();
    await expect.poll(() => read, { timeout: 10_000 }).toBeGreaterThan(4 * MAX_WINDOW);
  });

  it('closes its channel and lets go of what was held when the client leaves', async () => {
    const { set, channels, leftBehind, localPort } = await startForward();
    const client = net.connect({ host: '127.0.0.1', port: localPort });
    client.pause();
    await expect.poll(() => channels.length).toBe(1);
    const channel = channels[0]!;
    await stalled();
    const closed = new Promise((resolve) => channel.once('close', resolve));
    client.destroy();
    // An ssh2 channel closes only once its buffer was read: a paused one used to stay open, holding it.
    await closed;
    expect(leftBehind).toHaveLength(1);
    expect(leftBehind[0]).toBeGreaterThan(0);
    expect(set.snapshot()[0]!.stats.open).toBe(0);
  });
});
