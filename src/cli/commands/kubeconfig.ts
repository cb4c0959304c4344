// `tunnel kubeconfig <host> [--cluster name]`: print the rewritten kubeconfig (pointing at the local API
// forward) without writing any file. When a session for the host is running, its actual local ports are
// used; otherwise the ports `connect` would try first.
import type { Command } from 'commander';
import { readSessionRecord } from '../../agent/registry.js';
import { contextNameFor, resolveSessionOptions } from '../../config/resolve.js';
import { renderStandaloneKubeconfig } from '../../kubeconfig/write.js';
import { stderrLogger } from '../../log.js';
import { planForwards } from '../../plan/forward-plan.js';
import type { ForwardSpec } from '../../plan/types.js';
import { findK3d, listClusters } from '../../remote/k3d.js';
import { fetchRewritten } from '../../session/kubeconfig-step.js';
import { clientAddress, connectTarget } from '../../session/session.js';
import { collect } from '../options.js';
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
      const options = resolveSessionOptions(host, command.optsWithGlobals());
      const running = readSessionRecord(host);
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
          .map((spec): ForwardSpec => running?.report.forwards.find((live) => live.id === spec.id) ?? spec);
        if (!running) {
          process.stderr.write(
            `note: ${host} is not connected; the kubeconfig assumes the local ports connect would try first\n`,
          );
        }
        const names = (cluster: string) => contextNameFor(options.contextTemplate, cluster, host);
        const input = {
          connection,
          k3d,
          forwards: apis,
          mode: options.kubeconfig,
          names,
          serverHost: clientAddress(options.bindAddress),
          log,
        };
        const entries = [];
        for (const api of apis) entries.push(await fetchRewritten(input, api));
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
