// A small raw client for the simulated cluster API (sim-kube-api.test.ts): HTTPS requests, a watch reader and
// a port-forward WebSocket, all with the cluster's admin certificate over an `ssh -L` to the API port. Raw on
// purpose: the test checks the wire format the production client will parse, not a library's view of it.
import https from 'node:https';
import WebSocket from 'ws';
import type { WorldCluster } from '../devserver/index.js';

export interface Tls {
  ca: string;
  cert: string;
  key: string;
}

export const tlsOf = (cluster: WorldCluster, withCert = true): Tls =>
  withCert
    ? { ca: cluster.certs.serverCa, cert: cluster.certs.adminCert, key: cluster.certs.adminKey }
    : { ca: cluster.certs.serverCa, cert: '', key: '' };

const tlsOptions = (tls: Tls) => ({ ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) });

export async function getJson(port: number, tls: Tls, path: string): Promise<{ status: number; body: any }> {
  return await new Promise((resolve, reject) => {
    const request = https.get(
      { host: '127.0.0.1', port, path, agent: false, ...tlsOptions(tls) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    request.on('error', reject);
  });
}

export interface WatchEvent {
  type: string;
  object: any;
}

export interface Watch {
  status: number;
  headers: Record<string, unknown>;
  events: WatchEvent[];
  /** Resolves with the first event (seen or to come) that matches. */
  next(match: (event: WatchEvent) => boolean, timeoutMs?: number): Promise<WatchEvent>;
  ended: Promise<void>;
  close(): void;
}

/** A watch request: newline-delimited JSON events, each line bounded. */
export async function openWatch(port: number, tls: Tls, path: string): Promise<Watch> {
  return await new Promise((resolve, reject) => {
    const request = https.get(
      { host: '127.0.0.1', port, path, agent: false, ...tlsOptions(tls) },
      (response) => {
        const events: WatchEvent[] = [];
        const waiters = new Set<() => void>();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          if (buffer.length > 1_000_000) throw new Error('watch line too long');
          let newline = buffer.indexOf('\n');
          while (newline >= 0) {
            events.push(JSON.parse(buffer.slice(0, newline)) as WatchEvent);
            buffer = buffer.slice(newline + 1);
            newline = buffer.indexOf('\n');
          }
          for (const waiter of [...waiters]) waiter();
        });
        const ended = new Promise<void>((done) => {
          response.on('end', done);
          response.on('close', done);
        });
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          events,
          ended,
          close: () => request.destroy(),
          next: (match, timeoutMs = 10_000) =>
            new Promise((found, fail) => {
              const check = () => {
                const event = events.find(match);
                if (!event) return;
                waiters.delete(check);
                clearTimeout(timer);
                found(event);
              };
              const timer = setTimeout(() => {
                waiters.delete(check);
                fail(new Error(`no matching watch event in ${JSON.stringify(events.map((e) => e.type))}`));
              }, timeoutMs);
              waiters.add(check);
              check();
            }),
        });
      },
    );
    request.on('error', reject);
  });
}

export interface PortForward {
  protocol: string;
  /** Messages as received: [channel, payload]. */
  messages: [number, Buffer][];
  send(bytes: string): void;
  /** The data channel's bytes after the 2-byte port header. */
  data(): string;
  /** The error channel's text after the 2-byte port header. */
  error(): string;
  closed: Promise<number>;
  close(): void;
}

/** The pod port-forward WebSocket (v4.channel.k8s.io); rejects with the HTTP status and body when refused. */
export async function openPortForward(port: number, tls: Tls, path: string): Promise<PortForward> {
  const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, ['v4.channel.k8s.io'], {
    ...tlsOptions(tls),
    perMessageDeflate: false,
  });
  const messages: [number, Buffer][] = [];
  ws.on('message', (data: Buffer) => messages.push([data[0]!, data.subarray(1)]));
  const closed = new Promise<number>((done) => ws.on('close', (code) => done(code)));
  const channel = (number: number) =>
    Buffer.concat(messages.filter(([c]) => c === number).map(([, payload]) => payload))
      .subarray(2)
      .toString();
  return await new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        reject(
          Object.assign(new Error('refused'), {
            status: response.statusCode,
            body: Buffer.concat(chunks).toString(),
          }),
        ),
      );
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        protocol: ws.protocol,
        messages,
        send: (bytes) => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(bytes)])),
        data: () => channel(0),
        error: () => channel(1),
        closed,
        close: () => ws.close(),
      }),
    );
  });
}

export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
