// A small raw client for the simulated cluster API (sim-kube-api.test.ts): HTTPS requests, a watch reader and
// a port-forward WebSocket, all with the cluster's admin certificate over an `ssh -L` to the API port. Raw on
// purpose: the test checks the wire format the production client will parse, not a library's view of it.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { type DevServerClient, devServerClient } from '../devserver/client.js';
import { type DevServer, type Scenario, startDevServer, type WorldCluster } from '../devserver/index.js';

export interface Tls {
  ca: string;
  cert: string;
  key: string;
}

export const tlsOf = (cluster: WorldCluster, withCert = true): Tls =>
  withCert
    ? { ca: cluster.certs.serverCa, cert: cluster.certs.adminCert, key: cluster.certs.adminKey }
    : { ca: cluster.certs.serverCa, cert: '', key: '' };

/** Parsed API JSON: the tests assert its shape field by field. */
// biome-ignore lint/suspicious/noExplicitAny: untyped on purpose, the assertions are the schema
export type ApiJson = any;

const tlsOptions = (tls: Tls) => ({ ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) });

export async function getJson(
  port: number,
  tls: Tls,
  path: string,
): Promise<{ status: number; body: ApiJson }> {
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
  object: ApiJson;
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

export async function until(check: () => boolean, timeoutMs = 10_000, detail = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met in time ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The issue-14 cluster: a mapped NodePort, an unmapped NodePort and a ClusterIP Service, each with a pod. */
export const SCENARIO: Scenario = {
  clusters: [
    {
      name: 'my-app',
      servers: 1,
      agents: 1,
      apiPort: 16443,
      ports: [{ hostPort: 8080, containerPort: 30080, nodeFilter: 'server:0' }],
      services: [
        { namespace: 'my-namespace', name: 'my-app-svc', type: 'NodePort', port: 8080, nodePort: 30080 },
        { namespace: 'monitoring', name: 'grafana', type: 'NodePort', port: 3000, nodePort: 31742 },
        { namespace: 'default', name: 'backend', type: 'ClusterIP', port: 9000, targetPort: 8080 },
      ],
    },
  ],
};

export interface SimKube {
  dev: DevServer;
  client: DevServerClient;
  /** The local end of `ssh -L` to the cluster's API port (reopen() after the cluster restarts). */
  port: number;
  tls: Tls;
  tmp: string;
  reopen(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimKube(): Promise<SimKube> {
  const dev = await startDevServer({ scenario: SCENARIO });
  const client = devServerClient(dev);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-sim-kube-'));
  const sim: SimKube = {
    dev,
    client,
    port: 0,
    tls: tlsOf(dev.world.state().clusters[0]!),
    tmp,
    reopen: async () => {
      client.closeAll();
      sim.port = await client.forward(16443);
    },
    stop: async () => {
      client.closeAll();
      await dev.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
  await sim.reopen();
  return sim;
}

/** The controller-managed EndpointSlices of one Service. */
export async function slicesOf(sim: SimKube, namespace: string, name: string): Promise<ApiJson[]> {
  const selector = encodeURIComponent(`kubernetes.io/service-name=${name}`);
  const url = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`;
  return (await getJson(sim.port, sim.tls, url)).body.items;
}
