// Whether the dev server can reach a cluster's node addresses on its docker network (issue 14): asked
// once per connection and cluster, since the answer depends on how docker runs there, not on the
// Service. A remote engine's network is on another host; rootless docker keeps it inside rootlesskit's
// network namespace, where the dev server's sshd cannot connect, so a channel to a server node's API
// port (6443, which every running server serves) is the cheapest honest test.
import type { DevServer } from '../devserver/dev-server.js';
import { describeError } from '../errors.js';
import type { ClusterServices } from '../plan/types.js';
import { remoteText } from '../redact.js';
import type { DockerEngine } from '../remote/docker-endpoint.js';
import type { K3dCluster } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';
import type { Clock } from '../supervisor/ports.js';

export type NodeReach = ClusterServices['nodeReach'];

export const NODE_PROBE_PORT = 6443;
export const DEFAULT_NODE_PROBE_TIMEOUT_MS = 3_000;

export interface NodeReachInput {
  ssh: Pick<SshConnection, 'forwardOut'>;
  engine: Pick<DockerEngine, 'remoteHost'>;
  cluster: Pick<K3dCluster, 'name' | 'nodes'>;
  timeoutMs?: number;
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

const ROOTLESS =
  'rootless docker keeps the cluster network inside its own network namespace, out of reach of sshd';

export async function probeNodeReach(input: NodeReachInput): Promise<NodeReach> {
  const { cluster, clock } = input;
  if (input.engine.remoteHost !== undefined) {
    return {
      reachable: false,
      reason: `the docker engine runs on ${remoteText(input.engine.remoteHost, 120)}; its cluster network is not reachable from the dev server`,
      cause: `docker runs on ${remoteText(input.engine.remoteHost, 40)}`,
    };
  }
  const server = cluster.nodes?.find((node) => node.role === 'server' && node.running);
  if (!server) {
    return {
      reachable: false,
      reason: `k3d names no address for a running server node of ${cluster.name}`,
      cause: 'no server node address',
    };
  }
  const timeoutMs = input.timeoutMs ?? DEFAULT_NODE_PROBE_TIMEOUT_MS;
  const opening = input.ssh.forwardOut(server.address, NODE_PROBE_PORT);
  let timer: unknown;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = clock.setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const node = `node ${server.address} (${server.name})`;
  try {
    const outcome = await Promise.race([opening, timedOut]);
    if (outcome !== 'timeout') {
      outcome.destroy();
      return { reachable: true };
    }
    // A late open must not leave a channel behind.
    opening.then(
      (channel) => channel.destroy(),
      () => {},
    );
    return {
      reachable: false,
      reason: `${node} did not answer the dev server within ${timeoutMs / 1000} s; ${ROOTLESS}, or a firewall drops it`,
      cause: 'timed out: a firewall?',
    };
  } catch (error) {
    return {
      reachable: false,
      reason: `the dev server cannot connect to ${node}: ${remoteText(describeError(error), 200)}; ${ROOTLESS}`,
      cause: 'rootless docker?',
    };
  } finally {
    clock.clearTimeout(timer);
  }
}

/** The verdict over a dev-server handle: where its engine runs first (a remote one is not dialled). */
export function nodeReachOver(
  devServer: Pick<DevServer, 'ssh' | 'engine'>,
  cluster: NodeReachInput['cluster'],
  options: Pick<NodeReachInput, 'clock' | 'timeoutMs'>,
): Promise<NodeReach> {
  return devServer.engine().then(
    (engine) => probeNodeReach({ ssh: devServer.ssh, engine, cluster, ...options }),
    (error: unknown) => ({
      reachable: false,
      reason: `where docker runs on the dev server is not known: ${remoteText(describeError(error), 200)}`,
      cause: 'docker not found',
    }),
  );
}
