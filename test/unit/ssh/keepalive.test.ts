// src/ssh/keepalive.ts against a real ssh2 Client talking to a real ssh2 Server on loopback (the server
// answers keepalive@openssh.com with REQUEST_FAILURE, as many servers do: still an answer), plus the
// guarded fallback and the data-counts-as-alive hook over a fake client.
import type { AddressInfo } from 'node:net';
import type { Connection } from 'ssh2';
import ssh2 from 'ssh2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Client } from '../../../src/ssh/handshake.js';
import { keepaliveCountsData, pingServer, resetPingFallbackLog } from '../../../src/ssh/keepalive.js';

interface Pair {
  client: Client;
  server: InstanceType<typeof ssh2.Server>;
  serverSide: Connection;
  /** Global requests the server received, by name. */
  requests: string[];
}

let pair: Pair | undefined;

async function connectedPair(): Promise<Pair> {
  const hostKey = ssh2.utils.generateKeyPairSync('ecdsa', { bits: 256 }).private;
  const requests: string[] = [];
  let serverSide!: Connection;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (connection) => {
    serverSide = connection;
    connection.on('authentication', (context) => context.accept());
    connection.on('error', () => {});
  });
  server.on('connection', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new ssh2.Client();
  client.on('error', () => {});
  client.on('debug' as never, () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
    client.connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      username: 'dev',
      debug: (line: string) => {
        const sent = line.match(/GLOBAL_REQUEST[:\s(]+([\w@.-]+)/);
        if (sent?.[1]) requests.push(sent[1]);
      },
    });
  });
  return { client, server, serverSide, requests };
}

beforeEach(() => {
  resetPingFallbackLog();
});

afterEach(async () => {
  if (!pair) return;
  pair.client.destroy();
  (pair.serverSide as unknown as { _sock: { destroy(): void } })._sock.destroy();
  await new Promise<void>((resolve) => pair?.server.close(() => resolve()));
  pair = undefined;
});

describe('pingServer', () => {
  it('sends keepalive@openssh.com and resolves on the answer, even a REQUEST_FAILURE', async () => {
    pair = await connectedPair();
    expect(await pingServer(pair.client)).toBe('answered');
    expect(pair.requests).toContain('keepalive@openssh.com');
  });

  it('matches several pings in flight to their answers in order', async () => {
    pair = await connectedPair();
    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => pingServer(pair!.client)));
    expect(outcomes).toEqual(['answered', 'answered', 'answered', 'answered', 'answered']);
  });

  it('an unanswered ping ends as not-connected when the connection goes (it never hangs forever)', async () => {
    pair = await connectedPair();
    // The server stops reading: the request sits in its socket, unanswered.
    (pair.serverSide as unknown as { _sock: { pause(): void } })._sock.pause();
    let outcome: string | undefined;
    const ping = pingServer(pair.client).then((value) => (outcome = value));
    await new Promise((resolve) => setImmediate(resolve));
    expect(outcome).toBeUndefined();
    pair.client.destroy();
    await ping;
    expect(outcome).toBe('not-connected');
  });

  it('says not-connected at once for a closed connection', async () => {
    pair = await connectedPair();
    const client = pair.client;
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    pair.client.end();
    await closed;
    expect(await pingServer(pair.client)).toBe('not-connected');
  });

  it("falls back to a cancel-tcpip-forward request when ssh2's internals differ, and says so once", async () => {
    pair = await connectedPair();
    const protocol = (pair.client as unknown as { _protocol: Record<string, unknown> })._protocol;
    protocol.ping = undefined;
    const log = vi.fn();
    expect(await pingServer(pair.client, log)).toBe('answered');
    expect(await pingServer(pair.client, log)).toBe('answered');
    expect(pair.requests).toContain('cancel-tcpip-forward');
    expect(pair.requests).not.toContain('keepalive@openssh.com');
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]?.[1]).toContain('protocol.ping');
  });
});

describe('keepaliveCountsData', () => {
  it("postpones ssh2's keepalive on arriving data, at most once a second", () => {
    let now = 0;
    const resetKA = vi.fn();
    const arrived = keepaliveCountsData({ _resetKA: resetKA } as unknown as Client, () => now);
    for (let at = 0; at <= 3_000; at += 100) {
      now = at;
      arrived();
    }
    expect(resetKA).toHaveBeenCalledTimes(3);
  });

  it('does nothing when ssh2 has no _resetKA', () => {
    const arrived = keepaliveCountsData({} as unknown as Client, () => 5_000);
    expect(() => arrived()).not.toThrow();
  });
});
