// Whether a k3d cluster serves, from its nodes as `k3d cluster list -o json` shows them (k3d-parse.ts reads
// them), and the state users see. Pure; no I/O.
import { quote, type RawNode } from './k3d-node.js';
import type { K3dCluster, PortMapping } from './types.js';

/**
 * Running: every server runs, or (an HA cluster with servers down) a majority of the servers runs and so does
 * the node that serves the API port. k3d starts an HA cluster's server-0 with --cluster-init: k3s's embedded
 * etcd serves only with a quorum (floor(n/2)+1), so with fewer servers up the API cannot answer. k3d's serverlb
 * proxies the API to every server and keeps answering from those still up; without a load balancer the API is
 * published on one server, so that server decides.
 */
export function clusterRunning(
  nodes: readonly RawNode[],
  state: { serversCount: number; serversRunning: number; api: PortMapping | undefined },
  warnings: string[],
): boolean {
  const { serversCount, serversRunning, api } = state;
  if (serversCount === 0 || serversRunning === 0) return false;
  if (serversRunning >= serversCount) return true;
  if (serversRunning * 2 <= serversCount) {
    const quorum = Math.floor(serversCount / 2) + 1;
    warnings.push(
      `stopped: ${serversRunning} of ${serversCount} servers are running; its etcd needs ${quorum} to serve the API`,
    );
    return false;
  }
  const front = api === undefined ? undefined : nodes.find((node) => node.name === api.nodeName);
  if (front?.running !== true) return false;
  const via =
    front.role === 'loadbalancer'
      ? 'the load balancer serves the API from the servers still up'
      : `the API answers on ${quote(front.name)}`;
  warnings.push(`degraded: ${serversRunning} of ${serversCount} servers are running; ${via}`);
  return true;
}

/** The state users see (`tunnel clusters`, doctor): a running cluster with servers down is degraded. */
export function clusterState(
  cluster: Pick<K3dCluster, 'running' | 'serversRunning' | 'serversCount'>,
): 'running' | 'degraded' | 'stopped' {
  if (!cluster.running) return 'stopped';
  return cluster.serversRunning < cluster.serversCount ? 'degraded' : 'running';
}

// A port published on a node itself (@agent:0:direct) answers only while that node runs; a running cluster
// may have agents (or, HA, servers) stopped.
export function stoppedDirectPorts(nodes: readonly RawNode[], ports: readonly PortMapping[]): string[] {
  const stopped = new Set(nodes.filter((n) => !n.running && n.role !== 'loadbalancer').map((n) => n.name));
  return ports
    .filter((port) => stopped.has(port.nodeName))
    .map(
      (port) =>
        `node ${quote(port.nodeName)} is not running: host port ${port.hostPort} (direct) will not answer`,
    );
}
