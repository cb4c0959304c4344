// Remote commands over one ssh2 Client: argv sent in a shape every login shell reads alike
// (remote-command.ts), output always drained and bounded, at most 8 sessions in flight (OpenSSH
// MaxSessions is 10; forwards do not count).
import { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { TunnelError } from '../errors.js';
import { escapeControls, remoteText } from '../redact.js';
import { abortError, Collector, limiterOf } from './exec-limits.js';
import { quoteArgv, remoteCommand } from './remote-command.js';
import type { ExecOptions, ExecResult } from './types.js';

export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export { MAX_EXECS_IN_FLIGHT } from './exec-limits.js';
export { decodeRemoteCommand, quoteArgv, remoteCommand, shellQuote } from './remote-command.js';

function summarize(command: string): string {
  // The command may carry names the dev server chose (a cluster name): shown, never interpreted.
  return escapeControls(command.length > 120 ? `${command.slice(0, 117)}...` : command);
}

function stopChannel(channel: ClientChannel | undefined): void {
  if (!channel) return;
  try {
    channel.signal('KILL');
  } catch {
    // Servers often refuse signals; closing the channel below is what matters.
  }
  channel.close();
}

/** Drains both streams (else 'close' never comes), records the exit status, reports on 'close'. */
function readChannel(channel: ClientChannel, options: ExecOptions, done: (result: ExecResult) => void): void {
  const maxBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const stdout = new Collector(maxBytes);
  const stderr = new Collector(maxBytes);
  const exit: { code?: number | null; signal?: string } = {};
  channel.on('data', (chunk: Buffer) => {
    stdout.add(chunk);
    options.onOutput?.('stdout', chunk);
  });
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr.add(chunk);
    options.onOutput?.('stderr', chunk);
  });
  channel.stderr.on('error', () => {});
  channel.on('exit', (code: number | null, signalName?: string) =>
    Object.assign(exit, { code, signal: signalName }),
  );
  channel.on('close', (code?: number | null, signalName?: string) => {
    const truncated = stdout.truncated || stderr.truncated;
    done({
      stdout: stdout.text(),
      stderr: stderr.text(),
      code: exit.code ?? (typeof code === 'number' ? code : null),
      signal: exit.signal ?? signalName ?? undefined,
      ...(truncated ? { truncated } : {}),
    });
  });
}

// `shown` is the command as a person reads it (POSIX-quoted argv), for messages; `command` is what is sent.
function runExec(client: Client, command: string, options: ExecOptions, shown: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    let detachStdin = () => {};
    const finish = (error: unknown, result?: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      detachStdin();
      options.signal?.removeEventListener('abort', onAbort);
      if (error === undefined && result) resolve(result);
      else reject(error);
    };
    const cancel = (error: unknown) => {
      finish(error);
      stopChannel(channel);
    };
    const onAbort = () => cancel(abortError(options.signal));
    const timeoutMs = options.timeoutMs;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => cancel(timeoutError(shown, timeoutMs)), timeoutMs);
    if (options.signal?.aborted) return cancel(abortError(options.signal));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const onChannel = (error: Error | undefined, opened: ClientChannel) => {
      if (error) return finish(openError(shown, error));
      channel = opened;
      opened.on('error', (channelError: Error) => cancel(openError(shown, channelError)));
      readChannel(opened, options, (result) => finish(undefined, result));
      detachStdin = feedStdin(opened, options.stdin, cancel);
      if (settled) stopChannel(opened);
    };
    try {
      client.exec(command, onChannel);
    } catch (error) {
      // ssh2 throws "Not connected" synchronously once the connection is gone.
      finish(openError(shown, error as Error));
    }
  });
}

/**
 * Sends stdin and then EOF (always: a command that reads stdin must not hang waiting for us). A Readable is
 * piped, so it is read only as fast as the channel window opens; the returned function stops feeding it.
 */
function feedStdin(
  channel: ClientChannel,
  stdin: ExecOptions['stdin'],
  fail: (error: unknown) => void,
): () => void {
  if (!(stdin instanceof Readable)) {
    channel.end(stdin);
    return () => {};
  }
  const onError = (error: Error) => fail(error);
  stdin.once('error', onError);
  stdin.pipe(channel);
  return () => {
    stdin.off('error', onError);
    stdin.unpipe(channel);
  };
}

function timeoutError(command: string, timeoutMs: number): TunnelError {
  return new TunnelError(
    'REMOTE_COMMAND',
    `Remote command timed out after ${timeoutMs} ms: ${summarize(command)}`,
    {
      hint: 'The dev server may be overloaded or the command is stuck; try it by hand with: ssh <alias> <command>',
    },
  );
}

function openError(command: string, error: Error): TunnelError {
  return new TunnelError(
    'REMOTE_COMMAND',
    `Could not run remote command (${remoteText(error.message)}): ${summarize(command)}`,
    {
      hint:
        error.message === 'Not connected'
          ? 'The SSH connection is closed; it will be re-established on reconnect.'
          : 'sshd refused a new session (MaxSessions?); check the server log or retry with: ssh -v <alias>',
      cause: error,
    },
  );
}

/** Runs `command` (already quoted) in a new session channel; the exit status comes from 'exit'/'close'. */
export async function execOnClient(
  client: Client,
  command: string,
  options: ExecOptions = {},
): Promise<ExecResult> {
  return await limiterOf(client).run(() => runExec(client, command, options, command), options.signal);
}

/** Runs argv on the dev server, each word exactly as given whatever the user's login shell (remoteCommand). */
export async function execArgvOnClient(
  client: Client,
  argv: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const command = remoteCommand(argv);
  return await limiterOf(client).run(
    () => runExec(client, command, options, quoteArgv(argv)),
    options.signal,
  );
}

/** Runs a constant sh script (never one with remote data spliced in) under /bin/sh, whatever the login shell. */
export function execScriptOnClient(
  client: Client,
  script: string,
  options: ExecOptions = {},
): Promise<ExecResult> {
  return execArgvOnClient(client, ['/bin/sh', '-c', script], options);
}
