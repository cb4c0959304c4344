// `tunnel image push <host> <image>`: a local docker image into every node of a k3d cluster on the dev
// server, checked node by node. Ctrl-C stops the step in flight, removes the temporary file on the dev
// server and exits 130; a second Ctrl-C exits at once (and says which file may be left).
import type { Command } from 'commander';
import { colorWanted } from '../../config/env.js';
import type { DevServerOptions } from '../../devserver/dev-server.js';
import { TunnelError, UsageError } from '../../errors.js';
import { inspectLocalImage } from '../../image/local-docker.js';
import { pushImage } from '../../image/push.js';
import { type ImageReference, parseImageReference } from '../../image/reference.js';
import type { PushEvent } from '../../image/types.js';
import { pasteCommand } from '../../remote/program.js';
import { hostOptions } from '../connect-settings.js';
import { PushOutput } from '../image-output.js';
import { devServerOpener } from '../open-dev-server.js';
import { CommandExit } from '../outcome.js';

interface PushFlags {
  cluster?: string;
  verbose?: boolean;
  json?: boolean;
  acceptNewHostKey?: boolean;
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export function registerImage(program: Command): void {
  const image = program.command('image').description('container images for the k3d clusters on a dev server');
  image
    .command('push')
    .description('copy a local docker image into a k3d cluster on the dev server, checked on every node')
    .argument('<host>', 'an ssh alias from ~/.ssh/config (or user@host)')
    .argument('<image>', 'a local docker image, e.g. myapp:1.0 or registry.example.com/team/app:2.3')
    .option('--cluster <name>', 'the k3d cluster to import into (default: the only running one)')
    .option('-v, --verbose', 'show everything k3d printed')
    .option('--json', 'print the result as JSON')
    .option('--accept-new-host-key', 'trust and record an unknown host key')
    .action(async (host: string, imageArgument: string, flags: PushFlags, command: Command) => {
      await runPush(host, imageArgument, flags, hostOptions(host, command));
    });
}

/** pods find an imported image by name:tag; a digest reference has no tag to save it under. */
function checkPushable(reference: ImageReference): void {
  if (reference.digest === undefined) return;
  throw new UsageError(
    `${reference.input} names a digest; tunnel image push needs a name:tag.`,
    `docker save writes a digest reference without a tag, so no pod could refer to it. Tag it first: ` +
      `docker tag ${reference.input} ${reference.domain ? `${reference.domain}/` : ''}${reference.path}:<tag>`,
  );
}

async function runPush(host: string, imageArgument: string, flags: PushFlags, options: DevServerOptions) {
  const reference = parseImageReference(imageArgument);
  checkPushable(reference);
  // Local problems (no docker, no such image) are found before any connection is made.
  const { estimatedBytes, platform } = await inspectLocalImage(reference);
  const output = pushOutput(host, reference, estimatedBytes, flags);
  const interrupt = new Interrupt(host);
  try {
    const report = await interrupt.race(
      pushImage({
        open: devServerOpener(options),
        reference,
        estimatedBytes,
        platform,
        cluster: flags.cluster,
        signal: interrupt.signal,
        onEvent: (event: PushEvent) => {
          interrupt.track(event);
          output.handle(event);
        },
      }),
    );
    output.report(report);
    if (!report.ok) throw notEverywhere(host, report.nodes.filter((node) => !node.present).length);
  } catch (error) {
    if (error instanceof CommandExit || interrupt.received === undefined) throw error;
    process.stderr.write(`interrupted; ${interrupt.leftBehind()}\n`);
    throw new CommandExit(SIGNAL_EXIT[interrupt.received] ?? 130);
  } finally {
    interrupt.dispose();
  }
}

function pushOutput(
  host: string,
  reference: ImageReference,
  estimatedBytes: number | undefined,
  flags: PushFlags,
) {
  return new PushOutput({
    host,
    image: reference,
    estimatedBytes,
    json: flags.json === true,
    verbose: flags.verbose === true,
    color: colorWanted(process.stdout.isTTY),
    progressBar: process.stderr.isTTY === true,
    stdout: process.stdout,
    stderr: process.stderr,
    now: () => performance.now(),
  });
}

function notEverywhere(host: string, missing: number): TunnelError {
  const nodes = missing === 1 ? '1 node' : `${missing} nodes`;
  return new TunnelError('IMAGE', `The image is missing on ${nodes} of the cluster (see the list above).`, {
    hint:
      `Look inside a node (as tunnel does, through a login shell): ${pasteCommand(host, 'bash', 'docker exec <node> crictl images')} ` +
      '(podman exec with Podman); retry with --verbose to see what ' +
      'k3d printed. A node that is not running gets the image once it runs and you push again.',
  });
}

/**
 * Ctrl-C (or SIGTERM) handling while the command runs. Before the temporary file is being created there is
 * nothing to undo, so the signal ends the process at once; from then on the first signal aborts the current
 * step (the push removes the file on its way out) and a second one exits without waiting.
 */
class Interrupt {
  private readonly controller = new AbortController();
  private pending = false;
  private file: string | undefined;
  received: NodeJS.Signals | undefined;
  private outcome: 'none' | 'removed' | 'failed' = 'none';
  readonly signal = this.controller.signal;

  constructor(private readonly host: string) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  track(event: PushEvent): void {
    if (event.kind === 'creating-file') this.pending = true;
    if (event.kind === 'target') this.file = event.file;
    if (event.kind === 'removed' || event.kind === 'cleanup-failed') {
      this.pending = false;
      this.outcome = event.kind === 'removed' ? 'removed' : 'failed';
    }
  }

  /** For the last line after an interruption. */
  leftBehind(): string {
    if (this.outcome === 'removed') return `the temporary file on ${this.host} was removed`;
    if (this.outcome === 'failed') return 'the temporary file could not be removed (see the warning above)';
    return `nothing was left on ${this.host}`;
  }

  private hardStop: (exit: CommandExit) => void = () => {};
  private readonly stopped = new Promise<never>((_, reject) => {
    this.hardStop = reject;
  });

  /** `work`, or the CommandExit of a signal that ends the command without waiting for it. */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopped]);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const code = SIGNAL_EXIT[signal] ?? 130;
    if (!this.pending || this.received !== undefined) {
      if (this.pending) {
        const file = this.file ?? '/tmp/tunnel-image-*';
        process.stderr.write(
          `\nleft ${file} on ${this.host}; remove it with: ssh ${this.host} rm -f ${file}\n`,
        );
      }
      // main.ts exits at once: nothing is left to wait for.
      this.hardStop(new CommandExit(code, { immediate: true }));
      return;
    }
    this.received = signal;
    const name = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    process.stderr.write(`\n${name}: stopping, then removing the temporary file on ${this.host}…\n`);
    this.controller.abort(new TunnelError('IMAGE', `interrupted by ${signal}`));
  };
}
