// `tunnel clusters <host>`: what k3d runs on the dev server and which ports it maps. Read-only.
import type { Command } from 'commander';
import { resolveSessionOptions } from '../../config/resolve.js';
import { loadHostSettings } from '../../config/settings.js';
import { stderrLogger } from '../../log.js';
import { findK3d, listClusters } from '../../remote/k3d.js';
import { connectTarget } from '../../session/session.js';
import { givenFlags } from '../connect-settings.js';
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
      const options = resolveSessionOptions(host, givenFlags(command), process.env, loadHostSettings(host));
      const connection = await connectTarget(options, terminalInteraction(), stderrLogger(false));
      try {
        const k3d = await findK3d(connection);
        const clusters = await listClusters(connection, k3d);
        if (flags.json) {
          const out = {
            host,
            k3d: { version: k3d.k3dVersion, k3s: k3d.k3sVersion, path: k3d.command.join(' ') },
            clusters,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else {
          process.stdout.write(`${renderClusters(clusters)}\n`);
        }
      } finally {
        connection.close();
      }
    });
}
