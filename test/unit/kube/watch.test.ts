// The watch over a real TLS connection: a loopback HTTPS server with a k3s-like PKI (the client certificate
// required), reached through a channel opener like forwardOut's. Each test sets what the "API" answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoCertificates, makeDemoCertificates } from '../../../src/demo/certs.js';
import type { ApiChannel } from '../../../src/kube/api.js';
import { watch } from '../../../src/kube/watch.js';
import type { WatchEvent } from '../../../src/kube/watch-event.js';

type Handler = (request: IncomingMessage & { url: string }, response: ServerResponse) => void;

let certs: DemoCertificates | undefined;
let server: https.Server;
let handler: Handler = (_request, response) => response.end();
let skip = '';

beforeAll(async () => {
  certs = await makeDemoCertificates((why) => {
    skip = why;
  });
  if (!certs) return;
  server = https.createServer(
    {
      cert: certs.servingCert,
      key: certs.servingKey,
      ca: certs.clientCa,
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => handler(request as IncomingMessage & { url: string }, response),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 30_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

function channel(): ApiChannel {
  const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
  const { port } = server.address() as AddressInfo;
  return {
    open: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      }),
    credentials: { ca: certs!.serverCa, cert: certs!.adminCert, key: certs!.adminKey },
    context,
  };
}

function run(options: { maxLineBytes?: number; signal?: AbortSignal } = {}) {
  const events: WatchEvent[] = [];
  const done = watch({
    channel: channel(),
    path: '/api/v1/services',
    resourceVersion: '42',
    timeoutSeconds: 60,
    signal: options.signal ?? new AbortController().signal,
    onEvent: (event) => events.push(event),
    maxLineBytes: options.maxLineBytes,
  });
  return { events, done };
}

const line = (event: object) => `${JSON.stringify(event)}\n`;
const svc = (name: string, resourceVersion: string) => ({
  metadata: { name, namespace: 'default', resourceVersion },
  spec: { ports: [{ port: 80 }] },
});

describe('watch', () => {
  it('asks from the resourceVersion and delivers events split across chunks, then resolves at the end', async (context) => {
    if (!certs) return context.skip(skip);
    let asked = '';
    handler = (request, response) => {
      asked = request.url;
      response.writeHead(200, { 'Content-Type': 'application/json' });
      const text =
        line({ type: 'ADDED', object: svc('web', '43') }) +
        line({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '44' } } });
      response.write(text.slice(0, 30));
      setImmediate(() => {
        response.write(text.slice(30));
        response.end(
          line({
            type: 'ERROR',
            object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
          }),
        );
      });
    };
    const { events, done } = run();
    await done;
    expect(asked).toBe(
      '/api/v1/services?watch=1&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=60',
    );
    expect(events).toEqual([
      { type: 'ADDED', object: svc('web', '43'), resourceVersion: '43' },
      { type: 'BOOKMARK', resourceVersion: '44' },
      { type: 'ERROR', code: 410, reason: 'Expired', message: 'too old resource version' },
    ]);
  });

  it('fails cleanly on a line longer than the limit (no newline ever sent)', async (context) => {
    if (!certs) return context.skip(skip);
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('x'.repeat(3000));
      response.write('y'.repeat(3000));
    };
    const { done } = run({ maxLineBytes: 4096 });
    await expect(done).rejects.toThrow(/longer than 4096 bytes/);
  });

  it('fails on a line that is not JSON, quoting it escaped', async (context) => {
    if (!certs) return context.skip(skip);
    handler = (_request, response) => {
      response.writeHead(200);
      response.write('<html>\u001b[31m\n');
    };
    await expect(run().done).rejects.toThrow(/not JSON: "<html>\\\\x1b\[31m"/);
  });

  it('turns a non-2xx answer into the API error (403 names the request)', async (context) => {
    if (!certs) return context.skip(skip);
    handler = (_request, response) => {
      response.writeHead(403, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ kind: 'Status', code: 403, message: 'services is forbidden' }));
    };
    await expect(run().done).rejects.toThrow(
      /forbids GET \/api\/v1\/services\?watch=1.*services is forbidden/,
    );
  });

  it('rejects when the stream breaks mid-response', async (context) => {
    if (!certs) return context.skip(skip);
    handler = (_request, response) => {
      response.writeHead(200);
      response.write(line({ type: 'ADDED', object: svc('web', '43') }));
      setImmediate(() => response.socket?.destroy());
    };
    const { events, done } = run();
    await expect(done).rejects.toThrow(/broke|closed/);
    expect(events).toHaveLength(1);
  });

  it('resolves when aborted, and the server sees the connection close', async (context) => {
    if (!certs) return context.skip(skip);
    const controller = new AbortController();
    let closed: Promise<void> = Promise.resolve();
    handler = (_request, response) => {
      closed = new Promise((resolve) => response.on('close', () => resolve()));
      response.writeHead(200);
      response.write(line({ type: 'ADDED', object: svc('web', '43') }));
    };
    const { events, done } = run({ signal: controller.signal });
    while (events.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await done;
    await closed;
  });
});
