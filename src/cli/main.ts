// The CLI's entry: builds the commands, and is the only place that prints errors and sets exit codes.
// Exit codes: 0 ok, 1 failure, 2 bad usage, 130 interrupted.
import { Command, CommanderError } from 'commander';
import { describeError, isTunnelError, TunnelError, UsageError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerAgent } from './commands/agent.js';
import { addLoginItemCommands } from './commands/agent-login.js';
import { registerClusters } from './commands/clusters.js';
import { registerConfig } from './commands/config.js';
import { registerConnect } from './commands/connect.js';
import { registerDisconnect } from './commands/disconnect.js';
import { registerKubeconfig } from './commands/kubeconfig.js';
import { registerLogs } from './commands/logs.js';
import { registerStatus } from './commands/status.js';

export function buildProgram(): Command {
  const program = new Command('tunnel')
    .description(
      'Forward k3d clusters on a remote dev server to this machine over SSH, with a working kubeconfig.',
    )
    .version(VERSION)
    .option('--ssh-config <file>', 'ssh config file to use instead of ~/.ssh/config (like ssh -F)')
    .showHelpAfterError('(run tunnel --help for usage)')
    .exitOverride();
  registerConnect(program);
  registerClusters(program);
  registerKubeconfig(program);
  registerDisconnect(program);
  registerStatus(program);
  registerLogs(program);
  registerConfig(program);
  addLoginItemCommands(registerAgent(program));
  program
    .command('__agent', { hidden: true })
    .description('internal: the background agent (started by the CLI, or at login)')
    .action(async () => {
      const { runAgent } = await import('../agent/main.js');
      await runAgent();
    });
  return program;
}

export function renderError(error: unknown): string {
  if (isTunnelError(error)) {
    const hint = error.hint ? `\n  hint: ${error.hint.replaceAll('\n', '\n        ')}` : '';
    return `error: ${error.message}${hint}\n`;
  }
  return `error: ${describeError(error)}\n  hint: this is a bug in tunnel; please report it with the command you ran.\n${
    error instanceof Error && error.stack ? error.stack : ''
  }\n`;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (and help for usage errors).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(renderError(error));
    process.exitCode = error instanceof UsageError ? 2 : 1;
    if (error instanceof TunnelError && error.code === 'INTERNAL') process.exitCode = 1;
  }
}
