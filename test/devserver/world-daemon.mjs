// The simulated dev server's network side: for every running cluster of world.json, real listeners on the
// published host ports — HTTP that names cluster and NodePort (or nginx's accept-then-close when nothing is
// behind the port) and the HTTPS Kubernetes API — and, in netns mode, on the node addresses
// (node-listeners.mjs). SIGHUP re-reads world.json and diffs the listeners, SIGTERM (or stdin closing, when
// the parent test died) stops. Protocol to the parent: one JSON line per event on stdout.
//
// usage: node world-daemon.mjs --world <world.json> --mode netns|loopback [--pid-file <file>] [--watch-stdin]
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { createApiHandler } from './api-server.mjs';
import { attachPortForward } from './k8s-portforward.mjs';
import { createWatchHub } from './k8s-watch.mjs';
import {
  nodeEntryFor,
  nodeListenerSpecs,
  removeNodeAddresses,
  syncNodeAddresses,
} from './node-listeners.mjs';
import { serviceBehind, serviceHandler } from './service-server.mjs';
import { readWorld, writeWorld } from './world.mjs';

const { values: options } = parseArgs({
  options: {
    world: { type: 'string' },
    mode: { type: 'string', default: 'netns' },
    'pid-file': { type: 'string' },
    'watch-stdin': { type: 'boolean', default: false },
  },
});
const worldPath = options.world;
let world = readWorld(worldPath);
/** Watches and port-forwards of the clusters' APIs: fed the Kubernetes object changes of each reload. */
const live = createWatchHub();
live.reloaded(undefined, world);
/** key `address:port` → { spec, server, sockets } */
const listeners = new Map();

const report = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const clusterNamed = (name, generation) =>
  world.clusters.find((cluster) => cluster.name === name && cluster.generation === generation);

/**
 * The engine's own host when docker dials one elsewhere (engineHost tcp://10.231.<n>.3:2375, an address the
 * test added inside the namespace): docker publishes every port on that host, not on the dev server.
 */
function remoteEngineAddress() {
  const match = /^(?:tcp|ssh):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(world.engine.host ?? '');
  const host = match?.[1]?.replace(/^\[|\]$/g, '');
  return host && !/^(localhost$|127\.|::1$|0\.0\.0\.0$)/.test(host) ? host : undefined;
}

/** Where docker would bind HostIp, confined to loopback when the dev server is this very machine. */
function bindAddress(hostIp) {
  if (options.mode === 'loopback') return '127.0.0.1';
  const engine = remoteEngineAddress();
  // A named engine host (ssh://dev@buildbox) is not part of the simulated network: nothing reaches its ports.
  if (engine && !net.isIP(engine)) return undefined;
  if (engine && ['', '0.0.0.0', '::'].includes(hostIp)) return engine;
  // The engine host's own loopback: nothing on the dev server reaches it.
  if (engine && /^(127\.|::1$)/.test(hostIp)) return undefined;
  return hostIp === '' ? '::' : hostIp;
}

function desiredListeners() {
  const desired = new Map();
  const conflicts = [];
  for (const cluster of world.clusters.filter((candidate) => candidate.running)) {
    for (const node of cluster.nodes) {
      for (const [key, bindings] of Object.entries(node.portBindings)) {
        for (const binding of bindings) {
          if (bindAddress(binding.HostIp) === undefined) continue;
          const spec = {
            cluster: cluster.name,
            generation: cluster.generation,
            kind: key === '6443' ? 'api' : 'service',
            containerPort: Number.parseInt(key, 10),
            hostPort: Number(binding.HostPort),
            address: bindAddress(binding.HostIp),
          };
          const id = `${spec.address}:${spec.hostPort}`;
          if (desired.has(id))
            conflicts.push({ ...spec, error: `Bind for ${id} failed: port is already allocated` });
          else desired.set(id, spec);
        }
      }
    }
  }
  const wildcard = [...desired.values()].filter((spec) => ['::', '0.0.0.0'].includes(spec.address));
  const wildcardPorts = new Set(wildcard.map((spec) => spec.hostPort));
  for (const spec of nodeListenerSpecs(world, options.mode, wildcardPorts))
    desired.set(`${spec.address}:${spec.hostPort}`, spec);
  return { desired, conflicts };
}

function handlerFor(spec) {
  const cluster = clusterNamed(spec.cluster, spec.generation);
  if (spec.kind === 'service')
    return http.createServer(serviceHandler(() => clusterNamed(spec.cluster, spec.generation), spec));
  const context = () => {
    const current = clusterNamed(spec.cluster, spec.generation);
    const persist = () => {
      writeWorld(worldPath, world);
      // kube-proxy follows the API: a patched nodePort moves on the node addresses.
      serialised(() => reconcile('patched'));
    };
    return current && { cluster: current, k3sVersion: world.versions.k3s, persist, live };
  };
  const server = https.createServer(
    {
      cert: cluster.certs.servingCert,
      key: cluster.certs.servingKey,
      ca: cluster.certs.clientCa,
      requestCert: true,
      rejectUnauthorized: false,
    },
    createApiHandler(context),
  );
  attachPortForward(server, context);
  // Go's VerifyClientCertIfGiven: a presented but unverifiable certificate fails the handshake; no cert → 401.
  server.on('secureConnection', (socket) => {
    if (!socket.authorized && Object.keys(socket.getPeerCertificate() ?? {}).length > 0) socket.destroy();
  });
  return server;
}

function onConnection(spec, entry, socket) {
  const node = spec.node ? undefined : nodeEntryFor(listeners, socket);
  if (node === null) return socket.resetAndDestroy();
  if (node) return onConnection(node.spec, node, socket);
  entry.sockets.add(socket);
  socket.on('close', () => entry.sockets.delete(socket));
  socket.on('error', () => {});
  const cluster = clusterNamed(spec.cluster, spec.generation);
  if (!cluster) return socket.destroy();
  if (cluster.paused) return; // fault: the port accepts, nothing ever answers
  // k3d's nginx accepts, fails to reach an upstream (no Service/NodePort, no ready pod) and closes.
  // On a node address kube-proxy REJECTs instead: the connection is refused.
  if (spec.kind === 'service' && !serviceBehind(cluster, spec.containerPort))
    return spec.node ? socket.resetAndDestroy() : socket.destroy();
  entry.handler.emit('connection', socket);
}

async function open(id, spec) {
  const entry = { spec, sockets: new Set(), handler: handlerFor(spec), server: undefined };
  entry.server = net.createServer({ pauseOnConnect: false }, (socket) => onConnection(spec, entry, socket));
  const listen = (host) =>
    new Promise((resolve, reject) => {
      entry.server.once('error', reject);
      entry.server.listen({ host, port: spec.hostPort, ipv6Only: false, exclusive: true }, () => {
        entry.server.off('error', reject);
        resolve();
      });
    });
  try {
    if (!spec.shadowed) await listen(spec.address);
  } catch (error) {
    // A namespace without IPv6: "" binds IPv4 only, as docker does with ip6tables off.
    if (spec.address !== '::' || error.code === 'EADDRINUSE') throw error;
    await listen('0.0.0.0');
  }
  listeners.set(id, entry);
}

async function close(id) {
  const entry = listeners.get(id);
  if (!entry) return;
  listeners.delete(id);
  // Like a stopped container: established connections die with it.
  for (const socket of entry.sockets) socket.destroy();
  await new Promise((resolve) => entry.server.close(() => resolve()));
}

const same = (a, b) =>
  ['cluster', 'generation', 'kind', 'containerPort', 'shadowed'].every((key) => a[key] === b[key]);

async function reconcile(event) {
  const { desired, conflicts } = desiredListeners();
  for (const [id, entry] of [...listeners]) {
    const wanted = desired.get(id);
    if (!wanted || !same(wanted, entry.spec)) await close(id);
  }
  const errors = [...conflicts, ...syncNodeAddresses(world, options.mode)];
  for (const [id, spec] of desired) {
    if (listeners.has(id)) continue;
    try {
      await open(id, spec);
    } catch (error) {
      errors.push({ ...spec, error: error.message });
    }
  }
  const specs = [...listeners.values()].map((entry) => entry.spec);
  report({
    event,
    listening: specs.filter((spec) => !spec.node),
    nodeListening: specs.filter((spec) => spec.node),
    errors,
  });
}

let queue = Promise.resolve();
const serialised = (task) => {
  queue = queue.then(task, task);
  return queue;
};

async function shutdown() {
  await serialised(async () => {
    for (const id of [...listeners.keys()]) await close(id);
    removeNodeAddresses(options.mode);
  });
  if (options['pid-file']) fs.rmSync(options['pid-file'], { force: true });
  process.exit(0);
}

process.on('SIGHUP', () =>
  serialised(async () => {
    const previous = world;
    world = readWorld(worldPath);
    live.reloaded(previous, world);
    await reconcile('reloaded');
  }),
);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
if (options['watch-stdin']) {
  process.stdin.on('end', shutdown);
  process.stdin.resume();
}
if (options['pid-file']) fs.writeFileSync(options['pid-file'], `${process.pid}\n`);
serialised(() => reconcile('ready'));
