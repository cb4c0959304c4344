// `tunnel kubeconfig <host> [--cluster name]`: print the rewritten kubeconfig (pointing at the local API
// forward) without writing any file. When a session for the host is running, its actual local ports are
// used; otherwise the ports `connect` would try first.
import type { Command } from 'commander';
import { contextNameFor } from '../../config/resolve.js';
import { isTunnelError } from '../../errors.js';
import { renderStandaloneKubeconfig } from '../../kubeconfig/write.js';
import { stderrLogger } from '../../log.js';
import { planForwards } from '../../plan/forward-plan.js';
import type { ForwardSpec } from '../../plan/types.js';
import { findK3d, listClusters } from '../../remote/k3d.js';
import { droppedLine } from '../../session/kubeconfig-follow.js';
import { fetchRewritten } from '../../session/kubeconfig-step.js';
import { clientAddress, connectTarget } from '../../session/session.js';
import { peekStatus } from '../agent-access.js';
import { hostOptions } from '../connect-settings.js';
import { collect } from '../options.js';
import { safeText } from '../render.js';
import { terminalInteraction } from '../terminal.js';

export function registerKubeconfig(program: Command): void {
  program
    .command('kubeconfig')
    .description('print the kubeconfig for the forwarded clusters (writes nothing)')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--cluster <name>', 'only this cluster (repeatable)', collect, [])
    .option(
      '--context-name <template>',
      'kube context name; {cluster} and {host} are replaced',
      'k3d-{cluster}@{host}',
    )
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, _options: unknown, command: Command) => {
      const options = hostOptions(host, command);
      const running = await liveApiPorts(host);
      const log = stderrLogger(false);
      const connection = await connectTarget(options, terminalInteraction(), log);
      try {
        const k3d = await findK3d(connection);
        const plan = planForwards(await listClusters(connection, k3d), {
          clusters: options.clusters,
          maps: options.maps,
          bindAddress: options.bindAddress,
        });
        const apis = plan.forwards
          .filter((spec) => spec.kind === 'api')
          .map((spec): ForwardSpec => {
            const localPort = running?.get(spec.id);
            return localPort === undefined ? spec : { ...spec, localPort };
          });
        if (!running) {
          process.stderr.write(
            `note: ${host} is not connected; the kubeconfig assumes the local ports connect would try first\n`,
          );
        }
        const names = (cluster: string) => contextNameFor(options.contextTemplate, cluster, host);
        const input = { connection, k3d, names, serverHost: clientAddress(options.bindAddress) };
        const entries = [];
        for (const api of apis) {
          const entry = await fetchRewritten(input, api).catch((error: unknown) => {
            // One cluster without a usable credential must not hide the others' contexts.
            if (!isTunnelError(error) || error.code !== 'KUBECONFIG') throw error;
            // The message names the dropped fields: YAML keys the dev server chose.
            process.stderr.write(`no context for ${safeText(api.cluster)}: ${safeText(error.message)}\n`);
            return undefined;
          });
          if (!entry) continue;
          for (const field of entry.dropped)
            process.stderr.write(`${safeText(droppedLine(entry.context.name, field))}\n`);
          entries.push(entry);
        }
        if (entries.length === 0) {
          process.stderr.write('no running cluster publishes an API port; nothing to print\n');
          process.exitCode = 1;
          return;
        }
        process.stdout.write(renderStandaloneKubeconfig(entries, entries[0]!.context.name));
      } finally {
        connection.close();
      }
    });
}

/** The running session's local port per forward id, from the agent; undefined when not connected. */
async function liveApiPorts(host: string): Promise<Map<string, number> | undefined> {
  const session = (await peekStatus())?.sessions.find((entry) => entry.host === host);
  if (!session) return undefined;
  const forwards = session.clusters.flatMap((cluster) => cluster.forwards);
  return new Map(forwards.map((forward) => [forward.id, forward.localPort]));
}
