// The OpenSSH-like window policy (src/ssh/window.ts) on real forwardOut channels through a real sshd:
// a large download arrives intact and in order, with and without reader backpressure. Correctness
// only; the speed-up is measured by scripts/bench/window-check.ts, never asserted here.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ListenerSet } from '../../src/forward/listener-set.js';
import type { SshConnection } from '../../src/ssh/types.js';
import { hasWindowPolicy } from '../../src/ssh/window.js';
import { forwardSpec } from '../builders.js';
import { sshdAvailable } from '../devserver/sshd.js';
import { connectToLocalSshd, type LocalSshd } from './local-sshd.js';

const MiB = 1024 * 1024;
const TOTAL = 64 * MiB;

let work: string;
let local: LocalSshd | undefined;
let connection: SshConnection;
let source: net.Server;
let sourcePort: number;
/** sha256 of what the source wrote on each connection, in accept order. */
const written: Array<Promise<string>> = [];
const sets: ListenerSet[] = [];

/** Non-repeating bytes (an AES-CTR keystream), so loss, duplication or reordering changes the hash. */
function keystream(): (bytes: number) => Buffer {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  return (bytes) => cipher.update(Buffer.alloc(bytes));
}

/** Sends TOTAL bytes with backpressure, then EOF; resolves to the sha256 of what it wrote. */
function serveDownload(socket: net.Socket): Promise<string> {
  socket.on('error', () => {});
  socket.resume();
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    const bytes = keystream();
    let index = 0;
    const next = () => {
      while (index++ < TOTAL / MiB) {
        const chunk = bytes(MiB);
        hash.update(chunk);
        if (!socket.write(chunk)) return void socket.once('drain', next);
      }
      socket.end(() => resolve(hash.digest('hex')));
    };
    next();
  });
}

/** Reads a stream to its end, hashing; `stallMs` first leaves it unread so backpressure builds up. */
function digestOf(stream: Duplex | net.Socket, stallMs = 0): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    const start = () =>
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        hash.update(chunk);
      });
    stream.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    stream.on('error', reject);
    if (stallMs > 0) setTimeout(start, stallMs);
    else start();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Records every WINDOW_ADJUST amount ssh2 sends (wraps the protocol method the hook calls). */
function recordAdjusts(channel: Duplex): number[] {
  const amounts: number[] = [];
  const protocol = (channel as unknown as { _client: { _protocol: Record<string, unknown> } })._client
    ._protocol;
  const original = protocol.channelWindowAdjust as (recipient: number, amount: number) => void;
  protocol.channelWindowAdjust = function (this: unknown, recipient: number, amount: number) {
    amounts.push(amount);
    return original.call(this, recipient, amount);
  };
  return amounts;
}

describe.skipIf(!sshdAvailable())('forwardOut window policy against a real sshd', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-window-it-'));
    local = await connectToLocalSshd(work);
    connection = local.connection;
    source = net.createServer((socket) => written.push(serveDownload(socket)));
    await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
    sourcePort = (source.address() as net.AddressInfo).port;
  });

  afterEach(async () => {
    await Promise.all(sets.splice(0).map((set) => set.stopAll()));
  });

  afterAll(async () => {
    await local?.stop();
    await new Promise((resolve) => source?.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('delivers 64 MiB intact and in order on a hooked channel, adjusting in small steps', async () => {
    const before = written.length;
    const channel = await connection.forwardOut('127.0.0.1', sourcePort);
    expect(hasWindowPolicy(channel)).toBe(true);
    const adjusts = recordAdjusts(channel);
    const received = await digestOf(channel);
    const expected = await written[before]!;
    expect(received).toEqual({ bytes: TOTAL, sha256: expected });
    // OpenSSH's cadence: one adjust per ~4 packets (≤ 128 KiB) when the reader keeps up, where ssh2
    // alone sends one 1 MiB adjust per MiB. (Counts only; timing is never asserted.)
    const sorted = [...adjusts].sort((a, b) => a - b);
    expect(adjusts.length).toBeGreaterThan((TOTAL / MiB) * 4);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThanOrEqual(128 * 1024);
    expect(Math.max(...adjusts)).toBeLessThanOrEqual(2 * MiB);
    channel.destroy();
  });

  it('delivers 64 MiB intact through a local forward whose client stalls first (backpressure)', async () => {
    const before = written.length;
    const channels: Duplex[] = [];
    const set = new ListenerSet(
      async (spec, from) => {
        const channel = await connection.forwardOut(spec.remoteHost, spec.remotePort, from);
        channels.push(channel);
        return channel;
      },
      () => {},
    );
    sets.push(set);
    const localPort = await freePort();
    const result = await set.apply([forwardSpec({ remotePort: sourcePort, localPort })]);
    expect(result.failed).toEqual([]);
    const socket = net.connect({ host: '127.0.0.1', port: localPort });
    const received = await digestOf(socket, 500);
    expect(received).toEqual({ bytes: TOTAL, sha256: await written[before]! });
    expect(channels.length).toBe(1);
    expect(hasWindowPolicy(channels[0]!)).toBe(true);
  });
});
