// `tunnel clusters <host>`: what k3d runs on the dev server and which ports it maps. Read-only.
import type { Command } from 'commander';
import { openDevServer } from '../../devserver/dev-server.js';
import { stderrLogger } from '../../log.js';
import { hostOptions } from '../connect-settings.js';
import { renderClusters } from '../render.js';
import { terminalInteraction } from '../terminal.js';

export function registerClusters(program: Command): void {
  program
    .command('clusters')
    .description("list the dev server's k3d clusters and their port mappings")
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--json', 'print JSON')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, flags: { json?: boolean; acceptNewHostKey?: boolean }, command: Command) => {
      const options = hostOptions(host, command);
      const devServer = await openDevServer(options, terminalInteraction(), stderrLogger(false));
      try {
        const k3d = await devServer.k3d();
        const clusters = await devServer.clusters();
        if (flags.json) {
          const out = {
            host,
            k3d: { version: k3d.k3dVersion, k3s: k3d.k3sVersion, path: k3d.path },
            clusters,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          process.stdout.write(`${renderClusters(clusters)}\n`);
        }
      } finally {
        devServer.close();
      }
    });
}
