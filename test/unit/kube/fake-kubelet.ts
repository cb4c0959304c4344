// A Kubernetes API that serves only the pod port-forward, the way kubelet's websocket.go does it: HTTPS
// with client certificates, the upgrade with subprotocol v4.channel.k8s.io, the port first on channels 0
// and 1, then the "app" in the pod (a greeting line, then an echo; "bye" makes it close), an error text on
// channel 1 for a pod whose port refuses, and a 404 Status for a pod that is gone. Loopback only.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { DemoCertificates } from '../../../src/demo/certs.js';
import type { ApiChannel } from '../../../src/kube/api.js';

export interface FakeKubelet {
  channel: ApiChannel;
  /** Pods answered with 404 (deleted). */
  gone: Set<string>;
  /** Pods whose port refuses: the error channel says so. */
  refusing: Set<string>;
  /** Every upgrade asked for, as `pod:port`. */
  asked: string[];
  close(): Promise<void>;
}

const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward\?ports=(\d+)$/;

function send(ws: WebSocket, channel: number, payload: Buffer): void {
  ws.send(Buffer.concat([Buffer.from([channel]), payload]));
}

function app(ws: WebSocket, pod: string, port: number, refusing: boolean): void {
  const portBytes = Buffer.alloc(2);
  portBytes.writeUInt16LE(port);
  send(ws, 0, portBytes);
  send(ws, 1, portBytes);
  if (refusing) {
    const text = `error forwarding port ${port} to pod ${pod}, uid 1f2e: dial tcp4 127.0.0.1:${port}: connect: connection refused`;
    send(ws, 1, Buffer.from(text));
    ws.close(1000);
    return;
  }
  send(ws, 0, Buffer.from(`hello from pod ${pod} port ${port}\n`));
  ws.on('message', (data: Buffer) => {
    if (data[0] !== 0) return;
    const payload = data.subarray(1);
    if (payload.toString() === 'bye') ws.close(1000);
    else send(ws, 0, payload);
  });
}

function notFound(socket: net.Socket, pod: string): void {
  const body = JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    message: `pods "${pod}" not found`,
    reason: 'NotFound',
    code: 404,
  });
  socket.end(
    `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function startFakeKubelet(certs: DemoCertificates): Promise<FakeKubelet> {
  const gone = new Set<string>();
  const refusing = new Set<string>();
  const asked: string[] = [];
  const sockets = new Set<net.Socket>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
  });
  const server = https.createServer({
    key: certs.servingKey,
    cert: certs.servingCert,
    ca: certs.clientCa,
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request, socket: net.Socket, head) => {
    const [, , pod = '', port = '0'] = PATH.exec(request.url ?? '') ?? [];
    asked.push(`${pod}:${port}`);
    if (!pod || gone.has(pod)) return notFound(socket, pod);
    wss.handleUpgrade(request, socket, head, (ws) => app(ws, pod, Number(port), refusing.has(pod)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const context = { host: 'devserver', cluster: 'my-app', address: `127.0.0.1:${port}` };
  const channel: ApiChannel = {
    context,
    credentials: { ca: certs.serverCa, cert: certs.adminCert, key: certs.adminKey },
    open: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => resolve(socket));
        socket.once('error', reject);
      }),
  };
  return {
    channel,
    gone,
    refusing,
    asked,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
