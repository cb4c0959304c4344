// The doctor's ports on the real system: ssh -G, TCP, the SSH login (the dev-server handle opened in probe
// mode), k3d, docker and the clusters through that handle, this machine's ports and their owners, the
// Kubernetes API. The agent lookup comes from the caller (cli/), the only place that talks to the agent.
import { transportFor } from '../devserver/connect.js';
import { probeDevServer, probeDevServerOverOpenSsh, probeHop } from '../devserver/dev-server.js';
import { openClusterApi } from '../kube/cluster-api.js';
import { isFine, joinNodePorts, type NodePortRow, serviceLabel } from '../kube/nodeports.js';
import { localPortCheck } from '../local/port-check.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import type { SshConnection, SshTarget } from '../ssh/types.js';
import { dockerEngine } from './docker.js';
import { kubeVersionViaContext, unsafeContexts } from './kube-context.js';
import { probeReach } from './reach.js';
import type { DoctorPorts, LoginItemFinding, NodePortFindings, OwnSession } from './types.js';

export interface SystemPortsOptions {
  /** `--ssh-config`: used like `ssh -F`. */
  sshConfigFile: string | undefined;
  ownSession: (alias: string) => Promise<OwnSession | undefined>;
  /** The login item's state (agent/, which only cli/ may reach). */
  loginItem: () => Promise<LoginItemFinding | undefined>;
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
  // A jump host on the way to the banner: logged in to in probe mode as well (nothing recorded).
  const openHop = (target: SshTarget): Promise<SshConnection> => probeHop(target, resolve);
  // One per doctor run: on macOS its one lsof read serves every port the run checks.
  const localPorts = localPortCheck();
  return {
    resolveTarget: resolve,
    transport: transportFor,
    reach: (target) => probeReach(target, { resolveHop: resolve, openHop }),
    login: (target, transport) =>
      transport?.kind === 'openssh'
        ? probeDevServerOverOpenSsh(target, { configFile: options.sshConfigFile, reason: transport.reason })
        : probeDevServer(target, { resolveHop: resolve }),
    dockerEngine,
    findK3d: (devServer) => devServer.k3d(),
    listClusters: (devServer) => devServer.clusters(),
    isPortFree: localPorts.isFree,
    portOwner: (port, address) => localPorts.owner(address, port),
    portsUnchecked: () => localPorts.unchecked(),
    ownSession: options.ownSession,
    kubeVersionViaContext,
    kubeVersionViaSsh: async (connection, k3d, cluster) =>
      (await (await openClusterApi({ connection, k3d, cluster, timeoutMs: 15_000 })).version()).gitVersion,
    nodePorts,
    unsafeContexts,
    loginItem: options.loginItem,
  };
}
