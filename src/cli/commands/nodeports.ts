// `tunnel nodeports <host>`: do k3d's port mappings and the clusters' NodePort Services meet? Reads each
// running cluster's Services through its API (over the SSH connection, with k3d's own certificates); --fix
// patches unreached Services onto free mapped NodePorts, --dry-run shows (and server-side validates) the
// patches. Exit code 1 when something mapped or exposed is not served, so scripts can rely on it.
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import { contextNameFor } from '../../config/resolve.js';
import { UsageError } from '../../errors.js';
import { openClusterApi } from '../../kube/cluster-api.js';
import { checkNodePorts, errorInfo, type NodePortMode } from '../../kube/nodeport-check.js';
import { stderrLogger } from '../../log.js';
import { planForwards } from '../../plan/forward-plan.js';
import { findK3d, listClusters } from '../../remote/k3d.js';
import { isSafeClusterName } from '../../remote/k3d-parse.js';
import type { K3dCluster } from '../../remote/types.js';
import { connectTarget } from '../../session/session.js';
import type { SshConnection } from '../../ssh/types.js';
import { hostOptions } from '../connect-settings.js';
import { nodePortsJson } from '../nodeports-json.js';
import { collect } from '../options.js';
import {
  type ClusterReport,
  type NodePortsReport,
  nodePortsOk,
  renderNodePorts,
} from '../render-nodeports.js';
import { terminalInteraction } from '../terminal.js';

interface NodePortsFlags {
  cluster: string[];
  fix?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export function registerNodeports(program: Command): void {
  program
    .command('nodeports')
    .description("check that k3d's port mappings reach the clusters' NodePort Services (and fix them)")
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--cluster <name>', 'only this cluster (repeatable); default: every running cluster', collect, [])
    .option('--fix', 'patch each unreached Service onto a free mapped NodePort, then check again')
    .option(
      '--dry-run',
      'print the patches (kubectl command and JSON body) and let the API server validate them; change nothing',
    )
    .option('--json', 'print JSON')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, flags: NodePortsFlags, command: Command) => {
      if (flags.fix && flags.dryRun)
        throw new UsageError(
          '--fix and --dry-run exclude each other.',
          'Preview with --dry-run, then apply with --fix.',
        );
      const mode: NodePortMode = flags.fix ? 'fix' : flags.dryRun ? 'dry-run' : 'check';
      const options = hostOptions(host, command);
      const connection = await connectTarget(options, terminalInteraction(), stderrLogger(false));
      try {
        const report = await inspect({
          connection,
          host,
          mode,
          clusterNames: options.clusters,
          contextTemplate: options.contextTemplate,
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(nodePortsJson(report), null, 2)}\n`);
        else
          process.stdout.write(`${renderNodePorts(report, { color: colorWanted(process.stdout.isTTY) })}\n`);
        if (!nodePortsOk(report)) process.exitCode = 1;
      } finally {
        connection.close();
      }
    });
}

interface InspectInput {
  connection: SshConnection;
  host: string;
  mode: NodePortMode;
  clusterNames: string[];
  contextTemplate: string;
}

async function inspect(input: InspectInput): Promise<NodePortsReport> {
  const { connection, host, mode } = input;
  const k3d = await findK3d(connection);
  const all = await listClusters(connection, k3d);
  // The planner's selection: unknown or stopped named clusters fail with its messages; stopped ones are skipped.
  const plan = planForwards(all, { clusters: input.clusterNames, maps: new Map(), bindAddress: '127.0.0.1' });
  const skippedNames = new Set(plan.skipped.map((entry) => entry.cluster));
  const wanted = input.clusterNames.length > 0 ? new Set(input.clusterNames) : undefined;
  const selected = uniqueByName(all)
    .filter((cluster) => cluster.running && (wanted ? wanted.has(cluster.name) : true))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const clusters: ClusterReport[] = [];
  for (const cluster of selected) {
    const context = contextNameFor(input.contextTemplate, cluster.name, host);
    try {
      const api = await openClusterApi({ connection, k3d, cluster });
      clusters.push({
        cluster: cluster.name,
        context,
        result: await checkNodePorts(api, cluster, mode),
        error: undefined,
      });
    } catch (error) {
      clusters.push({ cluster: cluster.name, context, result: undefined, error: errorInfo(error) });
    }
  }
  return {
    host,
    mode,
    args: [
      host,
      ...input.clusterNames.flatMap((name) => ['--cluster', isSafeClusterName(name) ? name : '<cluster>']),
    ].join(' '),
    clusters,
    skipped: plan.skipped.filter(
      (entry) => skippedNames.has(entry.cluster) && !selected.some((c) => c.name === entry.cluster),
    ),
  };
}

function uniqueByName(clusters: readonly K3dCluster[]): K3dCluster[] {
  const byName = new Map<string, K3dCluster>();
  for (const cluster of clusters) if (!byName.has(cluster.name)) byName.set(cluster.name, cluster);
  return [...byName.values()];
}
