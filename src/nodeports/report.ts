// src/nodeports: `tunnel nodeports`, do k3d's port mappings and the clusters' NodePort Services meet? Reads
// each running cluster's Services through its API (over the dev server's SSH connection, with k3d's own
// certificates); mode 'fix' patches unreached Services onto free mapped NodePorts, 'dry-run' has the API
// server validate the patches and changes nothing. One cluster that cannot be read does not hide the
// others: its error is in the report. Prints nothing.
import { contextNameFor } from '../config/resolve.js';
import type { DevServer } from '../devserver/dev-server.js';
import { withDevServer } from '../devserver/with-dev-server.js';
import { TunnelError } from '../errors.js';
import { openClusterApi } from '../kube/cluster-api.js';
import { checkNodePorts, errorInfo } from '../kube/nodeport-check.js';
import { planForwards } from '../plan/forward-plan.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import type { K3dCluster } from '../remote/types.js';
import type { ClusterReport, NodePortsReport, NodePortsRequest } from './types.js';

export async function inspectNodePorts(request: NodePortsRequest): Promise<NodePortsReport> {
  return withDevServer(request.open, (devServer) => inspect(devServer, request));
}

async function inspect(devServer: DevServer, request: NodePortsRequest): Promise<NodePortsReport> {
  const { host, mode } = request;
  const all = await devServer.clusters({ signal: request.signal });
  // The planner's selection: unknown or stopped named clusters fail with its messages; stopped ones are skipped.
  const plan = planForwards(all, { clusters: request.clusters, maps: new Map(), bindAddress: '127.0.0.1' });
  const wanted = request.clusters.length > 0 ? new Set(request.clusters) : undefined;
  const selected = uniqueByName(all)
    .filter((cluster) => cluster.running && (wanted ? wanted.has(cluster.name) : true))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const clusters: ClusterReport[] = [];
  for (const cluster of selected) {
    request.signal?.throwIfAborted();
    clusters.push(await inspectCluster(devServer, request, cluster));
  }
  const selectedNames = new Set(selected.map((cluster) => cluster.name));
  return {
    host,
    mode,
    args: [
      host,
      ...request.clusters.flatMap((name) => ['--cluster', isSafeClusterName(name) ? name : '<cluster>']),
    ].join(' '),
    clusters,
    skipped: plan.skipped.filter((entry) => !selectedNames.has(entry.cluster)),
  };
}

async function inspectCluster(
  devServer: DevServer,
  request: NodePortsRequest,
  cluster: K3dCluster,
): Promise<ClusterReport> {
  const context = contextNameFor(request.contextTemplate, cluster.name, request.host);
  try {
    // Its docker engine's host cannot be dialled by the SSH server (placeClusters): say why, not "connect failed".
    if (cluster.unreachable)
      throw new TunnelError('FORWARD', `The API cannot be reached: ${cluster.unreachable}`);
    const api = await openClusterApi({ connection: devServer.ssh, k3d: await devServer.k3d(), cluster });
    return {
      cluster: cluster.name,
      context,
      result: await checkNodePorts(api, cluster, request.mode),
      error: undefined,
    };
  } catch (error) {
    return { cluster: cluster.name, context, result: undefined, error: errorInfo(error) };
  }
}

function uniqueByName(clusters: readonly K3dCluster[]): K3dCluster[] {
  const byName = new Map<string, K3dCluster>();
  for (const cluster of clusters) if (!byName.has(cluster.name)) byName.set(cluster.name, cluster);
  return [...byName.values()];
}
