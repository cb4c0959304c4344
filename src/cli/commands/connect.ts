// `tunnel connect <host>`: forward every k3d port of the dev server and write the kubeconfig. By default
// the forwards live on in a detached session process; --foreground keeps them in this process until
// Ctrl-C and then tears everything down.
import type { Command } from 'commander';
import { readSessionRecord, stopSessionProcess } from '../../agent/registry.js';
import { startDetachedSession } from '../../agent/spawn.js';
import { type ConnectFlags, isLoopback, resolveSessionOptions } from '../../config/resolve.js';
import { stderrLogger } from '../../log.js';
import { Session } from '../../session/session.js';
import { collect } from '../options.js';
import { renderForwards } from '../render.js';
import { terminalInteraction } from '../terminal.js';

interface ConnectCliFlags extends ConnectFlags {
  foreground?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export function registerConnect(program: Command): void {
  program
    .command('connect')
    .description('forward every k3d cluster port of a dev server and write the kubeconfig')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .option('--foreground', 'stay attached; Ctrl-C stops the forwards')
    .option('--cluster <name>', 'only this cluster (repeatable)', collect, [])
    .option('--map <remote:local>', 'pin a local port, e.g. --map 8080:18080 (repeatable)', collect, [])
    .option('--bind <address>', 'local address to listen on', '127.0.0.1')
    .option('--kubeconfig <file>', 'write a standalone kubeconfig file instead of merging')
    .option('--no-kubeconfig', 'do not write any kubeconfig')
    .option('--switch-context', 'make the first cluster the current kube context')
    .option(
      '--context-name <template>',
      'kube context name; {cluster} and {host} are replaced',
      'k3d-{cluster}@{host}',
    )
    .option(
      '--accept-new-host-key',
      'trust and record an unknown host key (like StrictHostKeyChecking=accept-new)',
    )
    .option('--json', 'print the forward plan as JSON')
    .option('-v, --verbose', 'log progress to stderr')
    .action(async (host: string, flags: ConnectCliFlags, command: Command) => {
      const options = resolveSessionOptions(host, command.optsWithGlobals());
      if (!isLoopback(options.bindAddress)) {
        process.stderr.write(
          `warning: listening on ${options.bindAddress}: other machines that reach this address can use the forwards (and your cluster's API).\n`,
        );
      }
      const existing = readSessionRecord(host);
      if (existing) {
        process.stderr.write(
          `stopping the running session for ${host} (pid ${existing.pid}) to start a new one\n`,
        );
        await stopSessionProcess(existing);
      }
      const color = process.stdout.isTTY === true;
      if (flags.foreground) {
        await runForeground(options, flags, color);
        return;
      }
      const started = await startDetachedSession(options, terminalInteraction());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ pid: started.pid, ...started.report }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${renderForwards(started.report, { color })}\n`);
      process.stdout.write(
        `running in the background (pid ${started.pid}, log ${started.logFile}); stop it with: tunnel disconnect ${host}\n`,
      );
    });
}

async function runForeground(
  options: ReturnType<typeof resolveSessionOptions>,
  flags: ConnectCliFlags,
  color: boolean,
): Promise<void> {
  const session = await Session.start(options, terminalInteraction(), stderrLogger(flags.verbose === true));
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(session.report, null, 2)}\n`
      : `${renderForwards(session.report, { color })}\n`,
  );
  process.stdout.write('forwarding; press Ctrl-C to stop\n');
  const interrupted = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    process.once('SIGTERM', () => resolve('terminated'));
  });
  const outcome = await Promise.race([
    interrupted,
    session.closed.then((reason) => `the SSH connection ended: ${reason.message}`),
  ]);
  await session.stop();
  process.stderr.write(`${outcome}; forwards closed\n`);
  if (!['interrupted', 'terminated'].includes(outcome)) process.exitCode = 1;
}
