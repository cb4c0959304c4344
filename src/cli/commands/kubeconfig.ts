// `tunnel kubeconfig <host> [--cluster name]`: print the rewritten kubeconfig (pointing at the local API
// forward) without writing any file. The work is kubeconfig/print.ts's (one call); the running session's
// actual local ports come from the agent when it has a session for the host.
import type { Command } from 'commander';
import { DEFAULT_CONTEXT_TEMPLATE } from '../../config/defaults.js';
import { droppedLine } from '../../kubeconfig/fetch.js';
import { type KubeconfigPrintEvent, printKubeconfig } from '../../kubeconfig/print.js';
import { peekStatus } from '../agent-access.js';
import { hostOptions } from '../connect-settings.js';
import { devServerOpener } from '../open-dev-server.js';
import { collect } from '../options.js';
import { CommandExit } from '../outcome.js';
import { safeText } from '../render.js';

export function registerKubeconfig(program: Command): void {
  program
    .command('kubeconfig')
    .description('print the kubeconfig for the forwarded clusters (writes nothing)')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--cluster <name>', 'only this cluster (repeatable)', collect, [])
    .option(
      '--context-name <template>',
      'kube context name; {cluster} and {host} are replaced',
      DEFAULT_CONTEXT_TEMPLATE,
    )
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, _options: unknown, command: Command) => {
      const options = hostOptions(host, command);
      const report = await printKubeconfig({
        host,
        options,
        livePorts: () => liveApiPorts(host),
        open: devServerOpener(options),
        onEvent: (event) => process.stderr.write(`${renderEvent(host, event)}\n`),
      });
      if (report.yaml === undefined) {
        process.stderr.write('no running cluster publishes an API port; nothing to print\n');
        throw new CommandExit(1);
      }
      process.stdout.write(report.yaml);
    });
}

function renderEvent(host: string, event: KubeconfigPrintEvent): string {
  if (event.kind === 'not-connected')
    return `note: ${host} is not connected; the kubeconfig assumes the local ports connect would try first`;
  // Both name what the dev server sent (cluster names, YAML keys): escaped.
  if (event.kind === 'no-context')
    return `no context for ${safeText(event.cluster)}: ${safeText(event.message)}`;
  return safeText(droppedLine(event.context, event.field));
}

/** The running session's local port per forward id, from the agent; undefined when not connected. */
async function liveApiPorts(host: string): Promise<Map<string, number> | undefined> {
  const session = (await peekStatus())?.sessions.find((entry) => entry.host === host);
  if (!session) return undefined;
  const forwards = session.clusters.flatMap((cluster) => cluster.forwards);
  return new Map(forwards.map((forward) => [forward.id, forward.localPort]));
}
