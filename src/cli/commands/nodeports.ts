// `tunnel nodeports <host>`: do k3d's port mappings and the clusters' NodePort Services meet? The work is
// nodeports/'s (one call); this parses the flags and prints the report. --fix patches unreached Services
// onto free mapped NodePorts, --dry-run shows (and server-side validates) the patches. Exit code 1 when
// something mapped or exposed is not served, so scripts can rely on it.
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import { UsageError } from '../../errors.js';
import { inspectNodePorts } from '../../nodeports/report.js';
import { type NodePortMode, nodePortsOk } from '../../nodeports/types.js';
import { hostOptions } from '../connect-settings.js';
import { nodePortsJson } from '../nodeports-json.js';
import { devServerOpener } from '../open-dev-server.js';
import { collect } from '../options.js';
import { CommandExit } from '../outcome.js';
import { renderNodePorts } from '../render-nodeports.js';

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
      const report = await inspectNodePorts({
        host,
        mode,
        clusters: options.clusters,
        contextTemplate: options.contextTemplate,
        open: devServerOpener(options),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(nodePortsJson(report), null, 2)}\n`);
      else process.stdout.write(`${renderNodePorts(report, { color: colorWanted(process.stdout.isTTY) })}\n`);
      if (!nodePortsOk(report)) throw new CommandExit(1);
    });
}
