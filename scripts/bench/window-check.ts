// Evidence for src/ssh/window.ts (issue 5), not a test: download MiB/s through one forwardOut channel
// at an added round-trip time, with ssh2's own window policy, with our OpenSSH-like hook, and through
// `ssh -N -L` for comparison. A throwaway sshd (test/devserver/sshd.ts) listens on loopback; a userspace
// delay relay in front of its port adds `delay` ms each way. Nothing here is asserted.
//
//   npx tsx scripts/bench/window-check.ts [--mib 128] [--runs 3] [--delay 10]
//
// The relay is exported for reuse: startDelayRelay({ targetPort, delayMs }) → { host, port, close() }.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from 'ssh2';
import { applyWindowPolicy } from '../../src/ssh/window.js';
import { generateKey, startSshd } from '../../test/devserver/sshd.js';

export interface DelayRelayOptions {
  /** Where the relay forwards to (e.g. sshd's port). */
  targetPort: number;
  targetHost?: string;
  /** Added to every chunk in each direction, so the round trip grows by 2 × delayMs. */
  delayMs: number;
  /** Default 127.0.0.1, on a free port. */
  listenHost?: string;
}

export interface DelayRelay {
  readonly host: string;
  readonly port: number;
  /** Stops listening and destroys every relayed connection. */
  close(): Promise<void>;
}

/**
 * A TCP relay that holds each chunk for delayMs before passing it on (both ways, order kept: Node fires
 * timers of equal duration first in, first out). It adds latency, not a bandwidth limit, and buffers
 * what is in flight without backpressure, which is fine for window-bound flows like SSH channels.
 */
export async function startDelayRelay(options: DelayRelayOptions): Promise<DelayRelay> {
  const sockets = new Set<net.Socket>();
  const delayed = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, options.delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), options.delayMs));
    from.on('close', () => setTimeout(() => to.destroy(), options.delayMs));
    from.on('error', () => {});
  };
  const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (client) => {
    const upstream = net.connect({
      host: options.targetHost ?? '127.0.0.1',
      port: options.targetPort,
      noDelay: true,
      allowHalfOpen: true,
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    delayed(client, upstream);
    delayed(upstream, client);
  });
  const host = options.listenHost ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    host,
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Serves `bytes` zero bytes per connection (crypto makes zeros as costly as any data), then EOF. */
async function startSource(bytes: number): Promise<net.Server> {
  const chunk = Buffer.alloc(1024 * 1024);
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.resume();
    let left = bytes;
    const next = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!socket.write(piece)) return void socket.once('drain', next);
      }
      socket.end();
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** MiB/s from the first byte asked for to EOF. */
async function timeDownload(open: () => Promise<NodeJS.ReadableStream>, bytes: number): Promise<number> {
  const started = process.hrtime.bigint();
  const stream = await open();
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (received !== bytes) throw new Error(`received ${received} of ${bytes} bytes`);
  return bytes / 1024 / 1024 / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`ssh exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const probe = net.connect({ host: '127.0.0.1', port }, () => {
        probe.destroy();
        resolve(true);
      });
      probe.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('ssh -L never listened');
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mib: { type: 'string', default: '128' },
      runs: { type: 'string', default: '3' },
      delay: { type: 'string', default: '10' },
    },
  });
  const bytes = Number(values.mib) * 1024 * 1024;
  const runs = Number(values.runs);
  const delayMs = Number(values.delay);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-window-bench-'));
  const key = path.join(work, 'id_ed25519');
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => fs.rmSync(work, { recursive: true })];
  try {
    const sshd = await startSshd({
      dir: path.join(work, 'sshd'),
      authorizedKeys: [generateKey(key, 'ed25519')],
      setEnv: { HOME: home },
    });
    cleanups.push(() => sshd.stop());
    const source = await startSource(bytes);
    cleanups.push(() => new Promise((resolve) => source.close(resolve)));
    const sourcePort = (source.address() as net.AddressInfo).port;
    const relay = await startDelayRelay({ targetPort: sshd.port, delayMs });
    cleanups.push(() => relay.close());

    const client = new Client();
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve).once('error', reject);
      client.connect({
        host: relay.host,
        port: relay.port,
        username: sshd.user,
        privateKey: fs.readFileSync(key),
        hostVerifier: () => true,
        algorithms: { cipher: ['aes128-gcm@openssh.com'] },
      });
    });
    client.setNoDelay(true);
    cleanups.push(() => client.end());
    const forward = (hook: boolean) => () =>
      new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        client.forwardOut('127.0.0.1', 0, '127.0.0.1', sourcePort, (error, channel) => {
          if (error) return reject(error);
          if (hook && !applyWindowPolicy(channel)) return reject(new Error('hook not applied'));
          resolve(channel);
        });
      });

    const localPort = await freePort();
    const ssh = spawn(
      'ssh',
      [
        ...['-N', '-F', '/dev/null', '-i', key, '-p', String(relay.port), '-l', sshd.user],
        ...['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes'],
        ...['-o', 'ExitOnForwardFailure=yes', '-c', 'aes128-gcm@openssh.com'],
        ...['-L', `127.0.0.1:${localPort}:127.0.0.1:${sourcePort}`, '127.0.0.1'],
      ],
      { stdio: 'ignore' },
    );
    cleanups.push(() => ssh.kill('SIGTERM'));
    await waitForPort(localPort, ssh);
    const viaSsh = () =>
      new Promise<NodeJS.ReadableStream>((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port: localPort }, () => resolve(socket));
        socket.once('error', reject);
      });

    const paths: Array<[string, () => Promise<NodeJS.ReadableStream>]> = [
      ["ssh2 forwardOut, ssh2's window policy", forward(false)],
      ['ssh2 forwardOut + src/ssh/window.ts hook', forward(true)],
      ['OpenSSH ssh -N -L (aes128-gcm)', viaSsh],
    ];
    console.log(`download ${values.mib} MiB, RTT +${2 * delayMs} ms (relay), ${runs} runs each, median`);
    const results = paths.map(() => [] as number[]);
    // Interleaved so a noisy moment hits every path alike.
    for (let run = 0; run < runs; run++) {
      for (const [index, [, open]] of paths.entries()) results[index]?.push(await timeDownload(open, bytes));
    }
    for (const [index, [name]] of paths.entries()) {
      const all = results[index] ?? [];
      console.log(
        `${name.padEnd(44)} ${median(all).toFixed(1).padStart(7)} MiB/s  (${all.map((v) => v.toFixed(1)).join(', ')})`,
      );
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
