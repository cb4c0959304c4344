// "Is the dev server reachable?": a TCP connection to HostName:Port (or the ProxyJump / ProxyCommand
// transport `tunnel connect` would use) and the server's SSH identification line, nothing more.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { connectError, mapConnectError } from '../ssh/connect-errors.js';
import { openTransport } from '../ssh/transport.js';
import type { SshConnection, SshTarget } from '../ssh/types.js';
import type { Reachability } from './types.js';

export interface ReachOptions {
  resolveHop: (alias: string) => Promise<SshTarget>;
  /** Logs in to a jump host (the doctor's own login: it never records host keys). */
  openHop: (target: SshTarget) => Promise<SshConnection>;
  /** Default: ConnectTimeout, else 10 s. */
  timeoutMs?: number;
}

/** RFC 4253 §4.2: the server may send other lines first; its identification starts with "SSH-". */
export function findBanner(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .slice(0, -1)
    .find((line) => line.startsWith('SSH-'));
}

function readBanner(stream: Duplex, target: SshTarget, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const finish = (error: Error | undefined, banner?: string) => {
      clearTimeout(timer);
      stream.removeAllListeners('data');
      stream.destroy();
      if (error) reject(error);
      else resolve(banner!);
    };
    const timer = setTimeout(
      () =>
        finish(
          connectError(target, `connected, but no SSH greeting within ${timeoutMs / 1000} s (is it sshd?)`),
        ),
      timeoutMs,
    );
    stream.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const banner = findBanner(received);
      if (banner !== undefined) finish(undefined, banner.trim());
      else if (received.length > 8192)
        finish(connectError(target, 'something answers, but it does not speak SSH'));
    });
    stream.on('error', (error: Error & { code?: string }) => finish(mapConnectError(target, error)));
    stream.on('end', () => finish(connectError(target, 'the server closed the connection before greeting')));
  });
}

function connectTcp(target: SshTarget, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.hostName, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(connectError(target, `no TCP connection within ${timeoutMs / 1000} s (firewall, VPN down?)`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(mapConnectError(target, error));
    });
  });
}

export async function probeReach(target: SshTarget, options: ReachOptions): Promise<Reachability> {
  const timeoutMs = options.timeoutMs ?? (target.connectTimeoutSeconds ?? 10) * 1000;
  if (!target.proxyJump && !target.proxyCommand) {
    const socket = await connectTcp(target, timeoutMs);
    const banner = await readBanner(socket, target, timeoutMs);
    return { via: `${target.hostName}:${target.port}`, banner };
  }
  const transport = await openTransport(target, { ...options, log: undefined });
  try {
    const sock = transport.sock;
    if (!sock) throw connectError(target, 'no transport');
    const banner = await readBanner(sock, target, timeoutMs);
    const via = target.proxyJump ? `ProxyJump ${target.proxyJump}` : 'ProxyCommand';
    return { via: `${target.hostName}:${target.port} through ${via}`, banner };
  } finally {
    transport.close();
  }
}
