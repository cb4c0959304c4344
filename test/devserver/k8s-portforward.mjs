// Pod port-forward over WebSocket, as kube-apiserver checks the request and kubelet serves it
// (pkg/kubelet/cri/streaming/portforward/websocket.go): subprotocol v4.channel.k8s.io (binary; "" is the same,
// v4.base64.channel.k8s.io is text), per requested port a data channel 2i and an error channel 2i+1, every
// message prefixed by its channel, the port first written (uint16 little-endian) on both channels. The data
// channel is one TCP connection to the pod's port: here the pod's app is an http.Server fed a Duplex
// (emit('connection')), so no socket or address per pod is needed and a pod's "death" is just ending streams.
// A port the pod does not listen on gets containerd's "connection refused" on the error channel. The pod
// deleted (rollout, Service deleted) ends its port-forwards, as its containers die. SPDY is not simulated.
import crypto from 'node:crypto';
import http from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { etcdQuorum } from './cluster-build.mjs';
import { findPort } from './k8s-endpointslices.mjs';
import { statusObject } from './k8s-objects.mjs';
import { answer } from './service-server.mjs';

const BINARY = ['v4.channel.k8s.io', ''];
const BASE64 = 'v4.base64.channel.k8s.io';
const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/portforward$/;

/** An HTTP answer on the raw socket of an upgrade request (what apiserver/kubelet send instead of 101). */
function refuse(socket, code, body) {
  const json = typeof body !== 'string';
  const text = json ? JSON.stringify(body) : body;
  const type = json ? 'application/json' : 'text/plain; charset=utf-8';
  socket.end(
    `HTTP/1.1 ${code} ${http.STATUS_CODES[code]}\r\nContent-Type: ${type}\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** The ports the pod's app listens on: its declared container ports and its Services' target ports. */
function listening(cluster, pod) {
  const ports = new Set(
    pod.spec.containers.flatMap((container) => (container.ports ?? []).map((port) => port.containerPort)),
  );
  for (const service of cluster.kube.services) {
    const selector = service.spec.selector;
    if (!selector || service.metadata.namespace !== pod.metadata.namespace) continue;
    if (!Object.entries(selector).every(([key, value]) => pod.metadata.labels?.[key] === value)) continue;
    for (const port of service.spec.ports) if (port.protocol === 'TCP') ports.add(findPort(pod, port));
  }
  return ports;
}

/** What the request is refused with before any upgrade, or undefined when it may proceed. */
function precheck(request, context) {
  const url = new URL(request.url ?? '/', 'https://apiserver');
  const match = url.pathname.match(PATH);
  if (!context) return [503, statusObject(503, 'ServiceUnavailable', 'the cluster is gone')];
  if (!request.socket.authorized) return [401, statusObject(401, 'Unauthorized', 'Unauthorized')];
  if (!etcdQuorum(context.cluster))
    return [500, statusObject(500, 'InternalError', 'etcdserver: request timed out')];
  if (!match)
    return [404, statusObject(404, 'NotFound', 'the server could not find the requested resource', {})];
  const [, namespace, name] = match;
  const pod = context.cluster.kube.pods.find(
    (item) => item.metadata.namespace === namespace && item.metadata.name === name,
  );
  if (!pod) return [404, statusObject(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })];
  if ((request.headers.upgrade ?? '').toLowerCase() !== 'websocket')
    return [400, '[simulator] only the WebSocket port-forward is simulated (no SPDY)'];
  const ports = url.searchParams
    .getAll('ports')
    .flatMap((value) => value.split(','))
    .map(Number);
  if (ports.length === 0) return [400, 'query parameter "port" is required'];
  const bad = ports.find((port) => !Number.isInteger(port) || port < 1 || port > 65535);
  if (bad !== undefined) return [400, `unable to parse "${bad}" as a port`];
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  // x/net/websocket's handshake: none of the offered subprotocols is served → 403, empty body.
  if (!offered.some((protocol) => BINARY.includes(protocol) || protocol === BASE64)) return [403, ''];
  // kubelet asks the runtime for the pod's sandbox: a pod that is not running has none ready.
  if (pod.status.phase !== 'Running')
    return [500, 'rpc error: code = Unknown desc = sandbox container is not running'];
  return { pod, ports };
}

function encoder(protocol) {
  if (protocol === BASE64) return (channel, data) => String(channel) + Buffer.from(data).toString('base64');
  return (channel, data) => Buffer.concat([Buffer.from([channel]), Buffer.from(data)]);
}

/** One port's pair of channels: the pod's app on the data channel, or the runtime's refusal on the error one. */
function forwardPort(ws, { send, cluster, pod, port, index, done }) {
  const sandbox = crypto.createHash('sha256').update(pod.metadata.uid).digest('hex');
  if (!listening(cluster, pod).has(port)) {
    const netns = `/var/run/netns/cni-${crypto.randomUUID()}`;
    const message =
      `error forwarding port ${port} to pod ${sandbox}, uid : failed to execute portforward in network ` +
      `namespace "${netns}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: ` +
      `dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: ` +
      'connection refused ';
    ws.send(send(index * 2 + 1, message), done);
    return undefined;
  }
  const connection = new Duplex({
    read: () => ws.resume(),
    write: (chunk, _encoding, callback) => ws.send(send(index * 2, chunk), callback),
    final: (callback) => {
      done();
      callback();
    },
  });
  connection.on('error', () => {});
  connection.on('close', done);
  const hello = `hello from ${cluster.name} pod ${pod.metadata.name} port ${port}\n`;
  const app = http.createServer((request, response) =>
    answer(request, response, {
      headers: { 'X-Sim-Cluster': cluster.name, 'X-Sim-Pod': pod.metadata.name },
      hello,
    }),
  );
  app.keepAliveTimeout = 0;
  app.emit('connection', connection);
  return connection;
}

function session(ws, { context, pod, ports }) {
  const { cluster } = context;
  // A bad frame or an oversized message closes this WebSocket (ws sends the close code); never the daemon.
  ws.on('error', () => {});
  const send = encoder(ws.protocol);
  let open = ports.length;
  const connections = [];
  const done = () => {
    open -= 1;
    if (open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
  };
  ports.forEach((port, index) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    ws.send(send(index * 2, portBytes));
    ws.send(send(index * 2 + 1, portBytes));
    let finished = false;
    const once = () => {
      if (finished) return;
      finished = true;
      done();
    };
    connections[index] = forwardPort(ws, { send, cluster, pod, port, index, done: once });
  });
  ws.on('message', (data, isBinary) => {
    const bytes = isBinary ? data : Buffer.from(String(data).slice(1), 'base64');
    const channel = isBinary ? data[0] : Number(String(data)[0]);
    const connection = channel % 2 === 0 ? connections[channel / 2] : undefined;
    if (connection && !connection.push(isBinary ? bytes.subarray(1) : bytes)) ws.pause();
  });
  const unsubscribe = context.live.subscribe(cluster, {
    resource: 'pods',
    // The container dies with its pod: the app's connections end, so do the streams.
    event: (event) => {
      if (event.type === 'DELETED' && event.object.metadata.uid === pod.metadata.uid)
        for (const connection of connections) connection?.destroy();
    },
    end: () => ws.terminate(),
  });
  ws.on('close', () => {
    unsubscribe();
    for (const connection of connections) connection?.destroy();
  });
}

/** Serves pod port-forward upgrades on the cluster's HTTPS server; `getContext` as for createApiHandler. */
export function attachPortForward(server, getContext) {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 16 * 1024 * 1024,
    handleProtocols: (protocols) => [...protocols].find((p) => BINARY.includes(p) || p === BASE64) ?? false,
  });
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => {});
    const context = getContext();
    const checked = precheck(request, context);
    if (Array.isArray(checked)) return refuse(socket, ...checked);
    wss.handleUpgrade(request, socket, head, (ws) => session(ws, { context, ...checked }));
  });
}
