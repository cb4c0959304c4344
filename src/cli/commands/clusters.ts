// `tunnel clusters <host>`: what k3d runs on the dev server and which ports it maps. Read-only; the work is
// cluster/list.ts's (one call).
import type { Command } from 'commander';
import { listClusters } from '../../cluster/list.js';
import { hostOptions } from '../connect-settings.js';
import { devServerOpener } from '../open-dev-server.js';
import { renderClusters } from '../render.js';

export function registerClusters(program: Command): void {
  program
    .command('clusters')
    .description("list the dev server's k3d clusters and their port mappings")
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--json', 'print JSON')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, flags: { json?: boolean }, command: Command) => {
      const options = hostOptions(host, command);
      const report = await listClusters({ host, open: devServerOpener(options) });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderClusters(report.clusters)}\n`,
      );
    });
}
