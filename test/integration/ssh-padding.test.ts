// Buffered packet padding (src/ssh/padding.ts) on a real connection to a real sshd: data sent up a
// forward and echoed back arrives intact while the connection rekeys twice (each rekey installs a new
// cipher instance, which must take the hooked allocPacket). Correctness only; speed is the bench's.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshdAvailable } from '../devserver/sshd.js';
import { connectToLocalSshd, type LocalSshd } from './local-sshd.js';

const MiB = 1024 * 1024;
const TOTAL = 48 * MiB;

interface Ssh2Client {
  once(event: 'handshake', listener: () => void): void;
  _protocol: { _cipher: object; rekey(): void };
}

let work: string;
let local: LocalSshd | undefined;
let echo: net.Server;
let echoPort: number;

/** Writes TOTAL non-repeating bytes (an AES-CTR keystream) with backpressure; `at(sent)` after each MiB. */
function sendAll(stream: Duplex, at: (sentMiB: number) => Promise<void>): Promise<string> {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const hash = createHash('sha256');
  return (async () => {
    for (let sent = 1; sent <= TOTAL / MiB; sent++) {
      const chunk = cipher.update(Buffer.alloc(MiB));
      hash.update(chunk);
      if (!stream.write(chunk)) await new Promise((resolve) => stream.once('drain', resolve));
      await at(sent);
    }
    stream.end();
    return hash.digest('hex');
  })();
}

function digestOf(stream: Duplex): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    stream.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    stream.on('error', reject);
  });
}

describe.skipIf(!sshdAvailable())('buffered padding against a real sshd', () => {
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-padding-it-'));
    local = await connectToLocalSshd(work);
    echo = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoPort = (echo.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await local?.stop();
    await new Promise((resolve) => echo?.close(resolve));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('echoes 48 MiB intact through two rekeys, every cipher instance on the hooked allocPacket', async () => {
    const client = (local!.connection as unknown as { client: Ssh2Client }).client;
    const ciphers = new Set<object>([client._protocol._cipher]);
    const channel = await local!.connection.forwardOut('127.0.0.1', echoPort);
    const received = digestOf(channel);
    const rekey = async (sentMiB: number) => {
      if (sentMiB !== 16 && sentMiB !== 32) return;
      const done = new Promise<void>((resolve) => client.once('handshake', resolve));
      client._protocol.rekey();
      await done;
      ciphers.add(client._protocol._cipher);
    };
    const sent = await sendAll(channel, rekey);
    expect(await received).toEqual({ bytes: TOTAL, sha256: sent });
    expect(ciphers.size).toBe(3);
    for (const cipher of ciphers) {
      const allocPacket = (cipher as { allocPacket: { name: string } }).allocPacket;
      expect(allocPacket.name).toBe('allocPacketBuffered');
    }
  });
});
