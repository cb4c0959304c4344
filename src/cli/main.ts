// The CLI's entry: builds the commands, and is the only place that prints errors and sets exit codes
// (a command that has already said what failed throws a CommandExit, see outcome.ts).
// Exit codes: 0 ok, 1 failure, 2 bad usage, 130 interrupted.
import { Command, CommanderError } from 'commander';
import { describeError, InterruptedError, isTunnelError, TunnelError, UsageError } from '../errors.js';
import { escapeControlsKeepLines } from '../redact.js';
import { VERSION } from '../version.js';
import { helpConfiguration, unknownOptionHint } from './help.js';
import { CommandExit } from './outcome.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs: `tunnel status` must not pay for ssh2,
 * yaml and conf (about 100 ms of imports) that only connect and friends need. Help loads them all.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  connect: async () => (await import('./commands/connect.js')).registerConnect,
  clusters: async () => (await import('./commands/clusters.js')).registerClusters,
  kubeconfig: async () => (await import('./commands/kubeconfig.js')).registerKubeconfig,
  disconnect: async () => (await import('./commands/disconnect.js')).registerDisconnect,
  status: async () => (await import('./commands/status.js')).registerStatus,
  logs: async () => (await import('./commands/logs.js')).registerLogs,
  config: async () => (await import('./commands/config.js')).registerConfig,
  doctor: async () => (await import('./commands/doctor.js')).registerDoctor,
  cluster: async () => (await import('./commands/cluster.js')).registerCluster,
  nodeports: async () => (await import('./commands/nodeports.js')).registerNodeports,
  image: async () => (await import('./commands/image.js')).registerImage,
  ui: async () => (await import('./commands/ui.js')).registerUi,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  agent: async () => {
    const [{ registerAgent }, { addLoginItemCommands }] = await Promise.all([
      import('./commands/agent.js'),
      import('./commands/agent-login.js'),
    ]);
    return (program) => addLoginItemCommands(registerAgent(program));
  },
};

/** The command word in argv (after node, the script and global options), if any. */
export function commandName(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--ssh-config') index++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

/** The program with `only` registered (fast path), or every command when `only` is unknown or absent. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('tunnel')
    .description(
      'Forward k3d clusters on a remote dev server to this machine over SSH, with a working kubeconfig.',
    )
    .version(VERSION)
    .option('--ssh-config <file>', 'ssh config file to use instead of ~/.ssh/config (like ssh -F)')
    .configureHelp(helpConfiguration)
    .showHelpAfterError('(run tunnel --help for usage)')
    .exitOverride();
  const names = only !== undefined && COMMANDS[only] ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((name) => COMMANDS[name]!()));
  for (const register of registers) register(program);
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
    // Messages quote remote names (JSON.stringify leaves C1 and bidi controls raw): escaped as a last guard.
    const hint = error.hint
      ? `\n  hint: ${escapeControlsKeepLines(error.hint).replaceAll('\n', '\n        ')}`
      : '';
    return `error: ${escapeControlsKeepLines(error.message)}${hint}\n`;
  }
  // Any other error may still carry remote text (an ssh2 error quoting the server): escaped the same way.
  const stack = error instanceof Error && error.stack ? escapeControlsKeepLines(error.stack) : '';
  return `error: ${escapeControlsKeepLines(describeError(error))}\n  hint: this is a bug in tunnel; please report it with the command you ran.\n${stack}\n`;
}

export async function main(argv: string[]): Promise<void> {
  let program: Command;
  try {
    program = await buildProgram(commandName(argv));
  } catch (error) {
    process.stderr.write(renderError(error));
    process.exitCode = 1;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (and help for usage errors).
      const hint = unknownOptionHint(argv, error.message);
      if (hint) process.stderr.write(hint);
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof CommandExit) {
      // The command's output already said what happened.
      process.exitCode = error.code;
      if (error.immediate) process.exit(error.code);
      return;
    }
    process.stderr.write(renderError(error));
    process.exitCode = error instanceof UsageError ? 2 : error instanceof InterruptedError ? 130 : 1;
    if (error instanceof TunnelError && error.code === 'INTERNAL') process.exitCode = 1;
  }
}
