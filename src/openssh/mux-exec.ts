// Remote commands through the master: `ssh -S <dir>/m … -- tunnel-master '<command>'`, one mux client
// per command. The master passes the client's own stdin/stdout/stderr to the session (mux.c), so the
// output streams straight from the pipes; it is drained to the end and kept up to maxOutputBytes, as
// ssh/exec.ts does over ssh2. At most MAX_EXECS_IN_FLIGHT at once (sshd's MaxSessions is 10).
import { Readable } from 'node:stream';
import { TunnelError } from '../errors.js';
import { startProcess } from '../process/start.js';
import { escapeControls } from '../redact.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../ssh/exec.js';
import { abortError, Collector, MAX_EXECS_IN_FLIGHT } from '../ssh/exec-limits.js';
import type { ExecOptions, ExecResult } from '../ssh/types.js';
import { execArgs, SSH } from './argv.js';

export interface MuxExecContext {
  controlPath: string;
  /** Counts bytes of output (bytesReceived). */
  onBytes: (count: number) => void;
  /** false once the master is gone: a failed client then means "not connected", not exit 255. */
  alive: () => boolean;
}

/** FIFO semaphore: at most `max` sessions through one master. */
export class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max = MAX_EXECS_IN_FLIGHT) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

function summarize(command: string): string {
  return escapeControls(command.length > 120 ? `${command.slice(0, 117)}...` : command);
}

function commandError(shown: string, why: string, hint: string): TunnelError {
  return new TunnelError('REMOTE_COMMAND', `Remote command ${why}: ${summarize(shown)}`, { hint });
}

/** Runs `command` (quoted for the remote shell) through the master; `shown` names it in messages. */
export async function muxExec(
  context: MuxExecContext,
  command: { sent: string; shown: string },
  options: ExecOptions = {},
): Promise<ExecResult> {
  options.signal?.throwIfAborted();
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const out = new Collector(maxBytes);
  const err = new Collector(maxBytes);
  const client = await startProcess({
    file: SSH,
    args: execArgs(context.controlPath, command.sent),
    stdin: 'pipe',
    stderrTailChars: 1024,
    onStderr: (text) => {
      const chunk = Buffer.from(text);
      context.onBytes(chunk.length);
      err.add(chunk);
      options.onOutput?.('stderr', chunk);
    },
  });
  client.stdout.on('data', (chunk: Buffer) => {
    context.onBytes(chunk.length);
    out.add(chunk);
    options.onOutput?.('stdout', chunk);
  });
  let cancelled: unknown;
  const cancel = (why: unknown) => {
    cancelled ??= why;
    client.stop();
  };
  const stopFeeding = feedStdin(client.stdin, options.stdin, cancel);
  const onAbort = () => cancel(abortError(options.signal));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timeoutMs = options.timeoutMs;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            cancel(
              commandError(
                command.shown,
                `timed out after ${timeoutMs} ms`,
                'The dev server may be overloaded or the command is stuck; try it by hand with: ssh <alias> <command>',
              ),
            ),
          timeoutMs,
        );
  try {
    const result = await client.exited;
    if (cancelled !== undefined) throw cancelled;
    if (result.exitCode === undefined || (result.exitCode === 255 && !context.alive())) {
      throw commandError(
        command.shown,
        'could not run (the SSH connection is closed)',
        'It will be re-established on reconnect.',
      );
    }
    const truncated = out.truncated || err.truncated;
    return {
      stdout: out.text(),
      stderr: err.text(),
      code: result.exitCode,
      signal: undefined,
      ...(truncated ? { truncated } : {}),
    };
  } finally {
    clearTimeout(timer);
    stopFeeding();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** Writes stdin then EOF (always: a command reading stdin must not hang); a Readable is piped. */
function feedStdin(
  stdin: NodeJS.WritableStream | null,
  input: ExecOptions['stdin'],
  fail: (error: unknown) => void,
): () => void {
  if (!stdin) return () => {};
  // The client exits while we write (the command ignored its stdin): EPIPE is not our failure.
  (stdin as unknown as Readable).on?.('error', () => {});
  if (!(input instanceof Readable)) {
    stdin.end(input ?? '');
    return () => {};
  }
  input.once('error', fail);
  input.pipe(stdin);
  return () => {
    input.off('error', fail);
    input.unpipe(stdin);
  };
}
