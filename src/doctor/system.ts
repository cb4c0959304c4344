// The doctor's ports on the real system: ssh -G, TCP, the SSH login probe, commands on the dev server, this
// machine's ports and their owners, the Kubernetes API. The agent lookup comes from the caller (cli/), the
// only place that talks to the agent.
import { openClusterApi } from '../kube/cluster-api.js';
import { isFine, joinNodePorts, type NodePortRow, serviceLabel } from '../kube/nodeports.js';
import { findPortOwner } from '../local/port-owner.js';
import { isPortFree } from '../local/port-probe.js';
import { findK3d, listClusters } from '../remote/k3d.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import type { SshConnection, SshTarget } from '../ssh/types.js';
import { dockerEngine } from './docker.js';
import { kubeVersionViaContext, unsafeContexts } from './kube-context.js';
import { probeLogin } from './login.js';
import { probeReach } from './reach.js';
import type { DoctorPorts, NodePortFindings, OwnSession } from './types.js';

export interface SystemPortsOptions {
  /** `--ssh-config`: used like `ssh -F`. */
  sshConfigFile: string | undefined;
  ownSession: (alias: string) => Promise<OwnSession | undefined>;
}

/** One line per row that is not fine: what is wrong, in the nodeports module's own words. */
export function nodePortProblem(row: NodePortRow): string {
  const mapping = row.mapping ? `host port ${row.mapping.hostPort}→${row.mapping.containerPort}` : undefined;
  const service = row.service
    ? `${serviceLabel(row.service)}${row.service.nodePort === undefined ? '' : ` (nodePort ${row.service.nodePort})`}`
    : undefined;
  return `${[mapping, service].filter(Boolean).join(', ')}: ${row.note}`;
}

async function nodePorts(
  connection: SshConnection,
  k3d: K3dInfo,
  cluster: K3dCluster,
): Promise<NodePortFindings> {
  const api = await openClusterApi({ connection, k3d, cluster });
  const [services, pods] = await Promise.all([api.listServices(), api.listPods()]);
  const rows = joinNodePorts(cluster, services, pods);
  return {
    cluster: cluster.name,
    problems: rows.filter((row) => !isFine(row)).map(nodePortProblem),
    checked: cluster.ports.length,
  };
}

export function systemPorts(options: SystemPortsOptions): DoctorPorts {
  const resolve = (alias: string): Promise<SshTarget> =>
    resolveTarget(alias, { configFile: options.sshConfigFile });
  const login = (target: SshTarget) => probeLogin(target, { resolveHop: resolve });
  const openHop = async (target: SshTarget): Promise<SshConnection> => {
    const result = await login(target);
    if (result.connection) return result.connection;
    throw result.error;
  };
  return {
    resolveTarget: resolve,
    reach: (target) => probeReach(target, { resolveHop: resolve, openHop }),
    login,
    dockerEngine,
    findK3d,
    listClusters: (connection, k3d) => listClusters(connection, k3d),
    isPortFree,
    portOwner: (port) => findPortOwner(port),
    ownSession: options.ownSession,
    kubeVersionViaContext,
    kubeVersionViaSsh: async (connection, k3d, cluster) =>
      (await (await openClusterApi({ connection, k3d, cluster, timeoutMs: 15_000 })).version()).gitVersion,
    nodePorts,
    unsafeContexts,
  };
}
