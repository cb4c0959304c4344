// The clusters' docker networks as the dev server itself sees them: docker makes one bridge per network
// (`br-<first 12 hex of the network id>`, the gateway .1/16 on it), and each running node container's address
// on it is reachable from the host. There every node answers, kube-proxy style, on each NodePort/LoadBalancer
// Service's TCP nodePort (and, through k3s's ServiceLB, a LoadBalancer's own port) whichever node runs the pod,
// and a server node answers the Kubernetes API on 6443. The world daemon (running inside the dev server's
// network namespace, as root) calls in here: the addresses are real, on a real bridge inside that namespace.
import { execFileSync } from 'node:child_process';
import { nodeRunning } from './cluster-build.mjs';
import { serviceBehind } from './service-server.mjs';

/** The node addresses of the last sync: a wildcard host listener hands their connections to the node. */
let currentAddresses = new Set();

/**
 * Whether the dev server reaches the cluster networks: only in netns mode (addresses cannot be added outside
 * a namespace of our own), and not when the containers live elsewhere: rootless docker/podman
 * (unix:///run/user/<uid>/…, inside rootlesskit's namespace) or an engine on another host (tcp://, ssh://).
 */
export function nodeNetworkReachable(world, mode) {
  if (mode !== 'netns') return false;
  const host = world.engine?.host ?? '';
  if (/^(tcp|ssh|https?):\/\//.test(host)) return false;
  return !/^unix:\/\/\/run\/user\/\d+\//.test(host);
}

export const bridgeName = (network) => `br-${network.id.slice(0, 12)}`;

const k3sNodes = (cluster) =>
  cluster.nodes.filter((node) => node.role !== 'loadbalancer' && nodeRunning(cluster, node));

/**
 * Bridge name → its addresses. The network (and its gateway) lives as long as the cluster, stopped or not,
 * as with `k3d cluster stop`; a node's address only while its container runs.
 */
export function desiredBridges(world, mode) {
  if (!nodeNetworkReachable(world, mode)) return new Map();
  return new Map(
    world.clusters.map((cluster) => [
      bridgeName(cluster.network),
      [cluster.network.gateway, ...k3sNodes(cluster).map((node) => node.ip)],
    ]),
  );
}

/**
 * TCP ports every node answers on: nodePorts of NodePort/LoadBalancer Services, and LB ports (klipper), each
 * only while a ready pod backs its Service: without endpoints kube-proxy REJECTs, so the SYN is refused.
 */
export function nodeServicePorts(cluster) {
  const ports = new Set();
  for (const { spec } of cluster.kube.services) {
    if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') continue;
    for (const port of spec.ports.filter((candidate) => (candidate.protocol ?? 'TCP') === 'TCP')) {
      if (port.nodePort) ports.add(port.nodePort);
      if (spec.type === 'LoadBalancer') ports.add(port.port);
    }
  }
  return [...ports].filter((port) => serviceBehind(cluster, port)).sort((a, b) => a - b);
}

/**
 * The daemon's listener specs on node addresses. `wildcardPorts`: ports a host listener binds on all
 * interfaces; a node listener on such a port cannot bind too (EADDRINUSE), so it is `shadowed`: it exists
 * only to receive what the wildcard listener accepted on the node's address (see nodeEntryFor).
 */
export function nodeListenerSpecs(world, mode, wildcardPorts) {
  if (!nodeNetworkReachable(world, mode)) return [];
  const specs = [];
  for (const cluster of world.clusters.filter((candidate) => candidate.running)) {
    const servicePorts = nodeServicePorts(cluster);
    for (const node of k3sNodes(cluster)) {
      const base = { cluster: cluster.name, generation: cluster.generation, node: node.name };
      const ports = [
        ...(node.role === 'server' ? [['api', 6443]] : []),
        ...servicePorts.map((p) => ['service', p]),
      ];
      for (const [kind, port] of ports)
        specs.push({
          ...base,
          kind,
          containerPort: port,
          hostPort: port,
          address: node.ip,
          shadowed: wildcardPorts.has(port),
        });
    }
  }
  return specs;
}

/**
 * For a connection a host listener accepted: the node entry it belongs to when its destination is a node
 * address (docker's DNAT catches only host-local destinations, so the container itself answers), null when
 * that node has nothing on the port (refused), undefined for the host's own addresses.
 */
export function nodeEntryFor(listeners, socket) {
  const address = (socket.localAddress ?? '').replace(/^::ffff:/, '');
  if (!currentAddresses.has(address)) return undefined;
  return listeners.get(`${address}:${socket.localPort}`) ?? null;
}

function ip(...args) {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The br-* bridges inside this namespace and their IPv4 addresses. */
function currentBridges() {
  const links = JSON.parse(ip('-j', 'addr', 'show', 'type', 'bridge') || '[]');
  return new Map(
    links
      .filter((link) => link.ifname.startsWith('br-'))
      .map((link) => [
        link.ifname,
        (link.addr_info ?? []).filter((info) => info.family === 'inet').map((info) => info.local),
      ]),
  );
}

/**
 * Makes the namespace's bridges and addresses match the world. netns mode only: in loopback mode the daemon
 * runs in this machine's own namespace, whose bridges (a real docker's) are not ours to touch.
 * Returns errors in the daemon's report format.
 */
export function syncNodeAddresses(world, mode) {
  if (mode !== 'netns') return [];
  const errors = [];
  const attempt = (what, action) => {
    try {
      action();
    } catch (error) {
      errors.push({ kind: 'node-address', address: what, error: String(error.stderr || error.message) });
    }
  };
  const desired = desiredBridges(world, mode);
  const existing = currentBridges();
  for (const name of existing.keys()) if (!desired.has(name)) attempt(name, () => ip('link', 'del', name));
  for (const [name, addresses] of desired) {
    const present = existing.get(name);
    if (!present) {
      attempt(name, () => ip('link', 'add', name, 'type', 'bridge'));
      attempt(name, () => ip('link', 'set', name, 'up'));
    }
    // The gateway first: it is the primary address, and deleting a primary drops the secondaries.
    for (const address of addresses)
      if (!present?.includes(address))
        attempt(address, () => ip('addr', 'add', `${address}/16`, 'dev', name));
    for (const address of present ?? [])
      if (!addresses.includes(address))
        attempt(address, () => ip('addr', 'del', `${address}/16`, 'dev', name));
  }
  currentAddresses = new Set([...desired.values()].flatMap((addresses) => addresses.slice(1)));
  return errors;
}

/** On shutdown: the bridges go (the namespace is deleted after the daemon anyway). */
export function removeNodeAddresses(mode) {
  if (mode !== 'netns') return;
  for (const name of currentBridges().keys()) {
    try {
      ip('link', 'del', name);
    } catch {
      // Already gone: nothing left behind either way.
    }
  }
  currentAddresses = new Set();
}
