// `tunnel doctor <host> [--json]`: every check `tunnel connect` depends on, in order, each ✓/!/✗ with a hint;
// the ones behind a failed check are skipped. Changes nothing (no known_hosts line, no agent started).
// Exit code 0 when no check failed (warnings allowed), 1 otherwise.
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import { contextNameFor } from '../../config/resolve.js';
import type { StatusDocument } from '../../control/status-document.js';
import { DOCTOR_CHECKS, runDoctor } from '../../doctor/run.js';
import { systemPorts } from '../../doctor/system.js';
import type { OwnSession } from '../../doctor/types.js';
import { peekStatus } from '../agent-access.js';
import { hostOptions } from '../connect-settings.js';
import { CommandExit } from '../outcome.js';
import { renderCheck, renderSummary } from '../render-doctor.js';
import { describeLoginItem } from './agent-login.js';

/** The running agent's session for `alias`; never starts or replaces an agent (doctor only looks). */
async function ownSession(alias: string): Promise<OwnSession | undefined> {
  let doc: StatusDocument | undefined;
  try {
    doc = await peekStatus();
  } catch {
    // An agent that does not answer owns no port we can vouch for; the port check names the holder.
    return undefined;
  }
  const session = doc?.sessions.find((entry) => entry.host === alias);
  return doc && session ? { agentPid: doc.agent.pid, session } : undefined;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check everything tunnel connect needs for a host, step by step, with a hint for each problem',
    )
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--json', 'print {host, ok, checks: [{id, title, status, detail, hint}]}')
    .action(async (host: string, flags: { json?: boolean }, command: Command) => {
      const options = hostOptions(host, command);
      const color = colorWanted(process.stdout.isTTY);
      const titleWidth = Math.max(...DOCTOR_CHECKS.map((check) => check.title.length));
      if (!flags.json) process.stdout.write(`tunnel doctor ${host}\n\n`);
      const report = await runDoctor({
        alias: host,
        plan: { clusters: options.clusters, maps: options.maps, bindAddress: options.bindAddress },
        transport: options.transport,
        kubeconfig:
          options.kubeconfig.kind === 'none'
            ? undefined
            : {
                file: options.kubeconfig.file,
                contextFor: (cluster) => contextNameFor(options.contextTemplate, cluster, host),
              },
        ports: systemPorts({
          sshConfigFile: options.sshConfigFile,
          ownSession,
          loginItem: describeLoginItem,
        }),
        onResult: flags.json
          ? undefined
          : (result) => process.stdout.write(`${renderCheck(result, { color, titleWidth })}\n`),
      });
      process.stdout.write(
        flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderSummary(report, { color })}\n`,
      );
      // The report already says what failed and what to do; main.ts would only repeat it.
      if (!report.ok) throw new CommandExit(1);
    });
}
