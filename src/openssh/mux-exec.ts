// Remote commands through the master: `ssh -S <dir>/m … -- tunnel-master '<command>'`, one mux client
// per command. The master passes the client's own stdin/stdout/stderr to the session (mux.c), so the
// output streams straight from the pipes; it is drained to the end and kept up to maxOutputBytes, as
// ssh/exec.ts does over ssh2. At most MAX_EXECS_IN_FLIGHT at once (sshd's MaxSessions is 10).
import { Readable } from 'node:stream';
import { TunnelError } from '../errors.js';
import { startProcess } from '../process/start.js';
import { escapeControls } from '../redact.js';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../ssh/exec.js';
import { abortError, Collector } from '../ssh/exec-limits.js';
import type { ExecOptions, ExecResult } from '../ssh/types.js';
import { execArgs, SSH } from './argv.js';

export interface MuxExecContext {
  controlPath: string;
  /** Counts bytes of output (bytesReceived). */
  onBytes: (count: number) => void;
  /** false once the master is gone: a failed client then means "not connected", not exit 255. */
  alive: () => boolean;
}

function summarize(command: string): string {
  return escapeControls(command.length > 120 ? `${command.slice(0, 117)}...` : command);
}

function commandError(shown: string, why: string, hint: string): TunnelError {
  return new TunnelError('REMOTE_COMMAND', `Remote command ${why}: ${summarize(shown)}`, { hint });
}

interface Output {
  out: Collector;
  err: Collector;
}

/** Starts the mux client; its stdout and stderr are counted, kept up to the limit and passed to onOutput. */
async function startClient(context: MuxExecContext, command: string, options: ExecOptions) {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const output: Output = { out: new Collector(maxBytes), err: new Collector(maxBytes) };
  const take = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    context.onBytes(chunk.length);
    (stream === 'stdout' ? output.out : output.err).add(chunk);
    options.onOutput?.(stream, chunk);
  };
  const client = await startProcess({
    file: SSH,
    args: execArgs(context.controlPath, command),
    stdin: 'pipe',
    stderrTailChars: 1024,
    onStderr: (text) => take('stderr', Buffer.from(text)),
  });
  client.stdout.on('data', (chunk: Buffer) => take('stdout', chunk));
  return { client, output };
}

function timeoutError(shown: string, timeoutMs: number): TunnelError {
  return commandError(
    shown,
    `timed out after ${timeoutMs} ms`,
    'The dev server may be overloaded or the command is stuck; try it by hand with: ssh <alias> <command>',
  );
}

export function closedError(shown: string): TunnelError {
  return commandError(
    shown,
    'could not run (the SSH connection is closed)',
    'It will be re-established on reconnect.',
  );
}

/** Runs `command` (quoted for the remote shell) through the master; `shown` names it in messages. */
export async function muxExec(
  context: MuxExecContext,
  command: { sent: string; shown: string },
  options: ExecOptions = {},
): Promise<ExecResult> {
  options.signal?.throwIfAborted();
  const { client, output } = await startClient(context, command.sent, options);
  let cancelled: unknown;
  const cancel = (why: unknown) => {
    cancelled ??= why;
    client.stop();
  };
  const stopFeeding = feedStdin(client.stdin, options.stdin, cancel);
  const onAbort = () => cancel(abortError(options.signal));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const { timeoutMs } = options;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => cancel(timeoutError(command.shown, timeoutMs)), timeoutMs);
  try {
    const result = await client.exited;
    if (cancelled !== undefined) throw cancelled;
    // ssh's own failures exit 255 too; once the master is gone that is what it was.
    if (result.exitCode === undefined || (result.exitCode === 255 && !context.alive())) {
      throw closedError(command.shown);
    }
    const truncated = output.out.truncated || output.err.truncated;
    return {
      stdout: output.out.text(),
      stderr: output.err.text(),
      code: result.exitCode,
      // A mux client cannot tell a signal death from exit 255 (the master passes only exit-status).
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
