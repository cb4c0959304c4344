// Which cluster an image goes to (--cluster, or the only running one) and its server/agent nodes as k3d
// lists them. Names from the dev server are data: quoted in messages, never put in a pasteable command
// unless they are plain k3d names.
import { TunnelError, UsageError } from '../errors.js';
import { runK3d } from '../remote/k3d.js';
import { type ClusterNode, parseClusterNodes } from '../remote/k3d-import-output.js';
import { summarizeK3dError } from '../remote/k3d-log.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import { runtimeCause } from '../remote/k3d-runtime.js';
import { pasteCommand } from '../remote/program.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';

const shown = (name: string) => JSON.stringify(name);
const names = (clusters: readonly K3dCluster[]) => clusters.map((cluster) => shown(cluster.name)).join(', ');

/** The cluster to import into: pure, from the list `k3d cluster list -o json` gave. */
export function chooseCluster(
  clusters: readonly K3dCluster[],
  wanted: string | undefined,
  host: string,
  shell?: string,
) {
  if (wanted !== undefined) {
    const found = clusters.find((cluster) => cluster.name === wanted);
    if (!found) {
      const known = clusters.length === 0 ? 'there are none' : `there are: ${names(clusters)}`;
      throw new TunnelError(
        'CLUSTER_NOT_FOUND',
        `There is no k3d cluster ${shown(wanted)} on ${host} (${known}).`,
        {
          hint: `See them with: tunnel clusters ${host}`,
        },
      );
    }
    if (!found.running) throw stopped(found, host, shell);
    return found;
  }
  const running = clusters.filter((cluster) => cluster.running);
  if (running.length === 1) return running[0]!;
  if (running.length > 1) {
    throw new UsageError(
      `${host} runs ${running.length} k3d clusters (${names(running)}); say which one gets the image.`,
      `Add --cluster <name>, e.g. --cluster ${isSafeClusterName(running[0]!.name) ? running[0]!.name : '<name>'}`,
    );
  }
  const stoppedOnes = clusters.length === 0 ? '' : ` (stopped: ${names(clusters)})`;
  throw new TunnelError('CLUSTER_NOT_FOUND', `No k3d cluster is running on ${host}${stoppedOnes}.`, {
    hint:
      clusters.length === 0
        ? `Create one on the dev server: ${pasteCommand(host, shell, 'k3d cluster create <name>')}`
        : `Start one: ${pasteCommand(host, shell, 'k3d cluster start <name>')}`,
  });
}

function stopped(cluster: K3dCluster, host: string, shell: string | undefined): TunnelError {
  const name = isSafeClusterName(cluster.name) ? cluster.name : '<name>';
  return new TunnelError('CLUSTER_NOT_FOUND', `k3d cluster ${shown(cluster.name)} on ${host} is stopped.`, {
    hint: `Start it on the dev server: ${pasteCommand(host, shell, `k3d cluster start ${name}`)}`,
  });
}

/** The server and agent containers k3d lists for the cluster (`k3d cluster get <name> -o json`). */
export async function listClusterNodes(
  conn: SshConnection,
  k3d: K3dInfo,
  cluster: string,
): Promise<ClusterNode[]> {
  const host = conn.target.alias;
  // k3d would read a leading dash as a flag; k3d never creates such a name.
  if (cluster.startsWith('-'))
    throw new TunnelError('K3D_OUTPUT', `Unusable k3d cluster name ${shown(cluster)}.`);
  const result = await runK3d(conn, k3d, ['cluster', 'get', cluster, '-o', 'json']);
  if (result.code !== 0) {
    // Docker down ends in "No nodes found for given cluster" too: the runtime is the cause.
    const what = `Cannot list the nodes of ${shown(cluster)} on ${host}`;
    const runtime = runtimeCause(result.stderr, { host, k3dVersion: k3d.k3dVersion, shell: k3d.shell, what });
    if (runtime) throw runtime;
    const summary = summarizeK3dError(result.stderr) || `exit ${result.code ?? result.signal}`;
    throw new TunnelError(
      'REMOTE_COMMAND',
      `k3d could not list the nodes of ${shown(cluster)} on ${host}: ${summary}`,
      {
        hint: `See it on the dev server: ${pasteCommand(host, k3d.shell, 'k3d cluster get <name> -o json')}`,
      },
    );
  }
  const nodes = parseClusterNodes(result.stdout, cluster);
  if (nodes.length === 0) {
    throw new TunnelError(
      'K3D_OUTPUT',
      `k3d lists no server or agent node for cluster ${shown(cluster)} on ${host}.`,
      {
        hint: `See it on the dev server: ${pasteCommand(host, k3d.shell, 'k3d node list')}`,
      },
    );
  }
  return nodes;
}
