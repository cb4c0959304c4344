// The forward plan (pure): which local listener goes to which dev-server port, from k3d's clusters and the
// user's options. No I/O: whether a local port is actually free is decided later by ports.ts, so this
// file only flags local-port clashes between planned forwards (remapped.reason 'conflict', localPort 0).
import { TunnelError, UsageError } from '../errors.js';
import { isSafeClusterName, isWildcardHost } from '../remote/k3d-parse.js';
import type { K3dCluster, PortMapping } from '../remote/types.js';
import { type ServiceBudget, withServices } from './service-forwards.js';
import { compareText, desiredPort, flagConflicts, pinnedPort } from './service-ports.js';
import { MAX_SERVICE_FORWARDS } from './service-skips.js';
import type { ForwardKind, ForwardSpec, PlanOptions } from './types.js';

export interface SkippedCluster {
  cluster: string;
  reason: string;
}

export interface ForwardPlan {
  /** Ordered by cluster name, the API first, then by dev-server port. */
  forwards: ForwardSpec[];
  /**
   * Clusters left out when no names were given (stopped, nothing published), a cluster on an engine host the
   * SSH server cannot dial, and each port of a forwarded cluster that cannot be reached: with why.
   */
  skipped: SkippedCluster[];
  /** --map remote ports no planned forward uses (probably a typo), ascending. */
  unusedMaps: number[];
}

/**
 * Plans one forward per published TCP port of each selected cluster. A forward whose desired local port
 * another forward already claims gets localPort 0 and remapped {from: desired, reason: 'conflict'}:
 * assignLocalPorts (ports.ts) picks its port. --map pins claim their port before unpinned forwards.
 */
export function planForwards(clusters: readonly K3dCluster[], options: PlanOptions): ForwardPlan {
  const { selected, skipped } = selectClusters(uniqueByName(clusters), options.clusters, options.lenient);
  const forwards: ForwardSpec[] = [];
  // One budget for the whole session (clusters by name), not per cluster: descriptors are per process.
  const budget = { left: MAX_SERVICE_FORWARDS };
  for (const cluster of [...selected].sort((a, b) => compareText(a.name, b.name))) {
    // An engine host the SSH server cannot dial: forwarding there would answer nothing, so say why instead.
    if (cluster.unreachable) {
      skipped.push({ cluster: cluster.name, reason: cluster.unreachable });
      continue;
    }
    const { forwards: specs, skipped: notes } = withServicesOf(
      cluster,
      clusterForwards(cluster, options),
      options,
      budget,
    );
    const dropped = cluster.notForwarded ?? [];
    if (specs.length === 0 && notes.length === 0 && options.clusters.length === 0 && dropped.length === 0) {
      skipped.push({ cluster: cluster.name, reason: 'publishes no TCP port on the dev server' });
    }
    // A port left out by placement (the API, maybe, and with it the kubeconfig context) is said, not silent.
    for (const reason of dropped) skipped.push({ cluster: cluster.name, reason });
    skipped.push(...notes);
    forwards.push(...specs);
  }
  // A numeric --map names the host port of a host-port forward, or the Service's own port of another one.
  const used = new Set(forwards.map(desiredPort));
  const unusedMaps = [...options.maps.keys()].filter((port) => !used.has(port)).sort((a, b) => a - b);
  const pins = options.services?.pins;
  const isPinned = (spec: ForwardSpec) => pinnedPort(spec, options.maps, pins) !== undefined;
  return { forwards: flagConflicts(forwards, isPinned), skipped, unusedMaps };
}

// Service forwards only when asked for (mode mapped, or no selection, is the plan as before issue 14).
function withServicesOf(
  cluster: K3dCluster,
  mapped: ForwardSpec[],
  options: PlanOptions,
  budget: ServiceBudget,
) {
  const { services } = options;
  if (services === undefined || services.mode === 'mapped') return { forwards: mapped, skipped: [] };
  return withServices(cluster, mapped, { ...options, services }, budget);
}

function uniqueByName(clusters: readonly K3dCluster[]): K3dCluster[] {
  // `k3d cluster get a a` prints a twice; one plan entry per name keeps ids unique.
  const byName = new Map<string, K3dCluster>();
  for (const cluster of clusters) if (!byName.has(cluster.name)) byName.set(cluster.name, cluster);
  return [...byName.values()];
}

function selectClusters(
  clusters: readonly K3dCluster[],
  names: readonly string[],
  lenient = false,
): { selected: K3dCluster[]; skipped: SkippedCluster[] } {
  if (names.length === 0) {
    const skipped = clusters
      .filter((cluster) => !cluster.running)
      .map((cluster) => ({ cluster: cluster.name, reason: stoppedReason(cluster) }));
    return { selected: clusters.filter((cluster) => cluster.running), skipped };
  }
  if (lenient) {
    // A running session waits for a named cluster that is gone or stopped (being re-created, say).
    const skipped: SkippedCluster[] = [];
    const selected: K3dCluster[] = [];
    for (const name of new Set(names)) {
      const cluster = clusters.find((candidate) => candidate.name === name);
      if (cluster?.running) selected.push(cluster);
      else
        skipped.push({
          cluster: name,
          reason: cluster ? stoppedReason(cluster) : 'not found on the dev server',
        });
    }
    return { selected, skipped };
  }
  const selected = [...new Set(names)].map((name) => {
    const cluster = clusters.find((candidate) => candidate.name === name);
    if (!cluster) throw clusterNotFound(name, clusters);
    if (!cluster.running) {
      throw new TunnelError('BAD_INPUT', `k3d cluster ${shown(name)} is ${stoppedReason(cluster)}.`, {
        hint: `Start it on the dev server: k3d cluster start ${isSafeClusterName(name) ? name : '<cluster>'}`,
      });
    }
    return cluster;
  });
  return { selected, skipped: [] };
}

function stoppedReason(cluster: K3dCluster): string {
  const servers = `${cluster.serversRunning}/${cluster.serversCount} servers running`;
  return cluster.serversRunning === 0 ? `stopped (${servers})` : `not fully running (${servers})`;
}

function clusterNotFound(name: string, clusters: readonly K3dCluster[]): TunnelError {
  const available = clusters.map((c) => `${shown(c.name)}${c.running ? '' : ' (stopped)'}`).join(', ');
  const message =
    clusters.length === 0
      ? `There is no k3d cluster named ${shown(name)}: the dev server has no k3d clusters.`
      : `There is no k3d cluster named ${shown(name)}. Available: ${available}.`;
  const create = `k3d cluster create ${isSafeClusterName(name) ? name : '<cluster>'}`;
  return new TunnelError('CLUSTER_NOT_FOUND', message, {
    hint: `Pick one of the clusters listed, or create it on the dev server: ${create}`,
  });
}

// Cluster names come from the dev server: quote them so newlines or control characters stay visible.
function shown(name: string): string {
  return isSafeClusterName(name) ? `"${name}"` : JSON.stringify(name);
}

function clusterForwards(cluster: K3dCluster, options: PlanOptions): ForwardSpec[] {
  const api = cluster.api ? [toSpec(cluster.name, 'api', cluster.api, options)] : [];
  const services = [...cluster.ports]
    .map((mapping) => toSpec(cluster.name, 'service', mapping, options))
    .sort((a, b) => a.remotePort - b.remotePort || compareText(a.remoteHost, b.remoteHost));
  return [...api, ...services];
}

function toSpec(cluster: string, kind: ForwardKind, mapping: PortMapping, options: PlanOptions): ForwardSpec {
  const remoteHost = isWildcardHost(mapping.hostIp) ? '127.0.0.1' : mapping.hostIp;
  const remotePort = mapping.hostPort;
  const pin = options.maps.get(remotePort);
  const localPort = pin ?? remotePort;
  return {
    id: `${cluster}/${kind}/${remoteHost}:${remotePort}`,
    cluster,
    kind,
    localAddress: options.bindAddress,
    localPort,
    remoteHost,
    remotePort,
    nodePort: mapping.containerPort,
    remapped: localPort === remotePort ? undefined : { from: remotePort, reason: 'pinned' },
  };
}

const MAP_EXAMPLE = "Example: --map 8080:18080 serves the dev server's port 8080 on localhost:18080.";

/** `--map REMOTE:LOCAL` → [remote, local]. */
export function parsePortMap(spec: string): [number, number] {
  const parts = spec.trim().split(':');
  if (parts.length !== 2) {
    const problem =
      parts.length === 1 ? 'has no ":"' : `has ${parts.length - 1} ":" (addresses are not accepted)`;
    throw new UsageError(`--map ${JSON.stringify(spec)} ${problem}; expected REMOTE:LOCAL.`, MAP_EXAMPLE);
  }
  return [parsePort(parts[0] ?? '', 'remote', spec), parsePort(parts[1] ?? '', 'local', spec)];
}

function parsePort(text: string, side: 'remote' | 'local', spec: string): number {
  const where = `--map ${JSON.stringify(spec)}`;
  if (!/^\d+$/.test(text)) {
    const what = text === '' ? 'is missing' : `${JSON.stringify(text)} is not a number`;
    throw new UsageError(`${where}: the ${side} port ${what}; expected REMOTE:LOCAL.`, MAP_EXAMPLE);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    throw new UsageError(`${where}: the ${side} port ${text} is outside 1-65535.`, MAP_EXAMPLE);
  }
  return port;
}

/** Every --map flag into one pin table; a remote port mapped twice, or two onto one local port, is an error. */
export function parsePortMaps(specs: readonly string[]): Map<number, number> {
  const maps = new Map<number, number>();
  for (const spec of specs) {
    const [remote, local] = parsePortMap(spec);
    const earlier = maps.get(remote);
    if (earlier !== undefined && earlier !== local) {
      throw new UsageError(
        `--map pins dev-server port ${remote} twice (to ${earlier} and ${local}).`,
        MAP_EXAMPLE,
      );
    }
    const other = [...maps].find(
      ([otherRemote, otherLocal]) => otherLocal === local && otherRemote !== remote,
    );
    if (other) {
      throw new UsageError(`--map sends both ${other[0]} and ${remote} to local port ${local}.`, MAP_EXAMPLE);
    }
    maps.set(remote, local);
  }
  return maps;
}
