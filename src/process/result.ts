// What a local process did, in the words a message needs: the pure half of run.ts and start.ts, which
// turn execa's result into it. Every failure names the command, as a user would type it; what the tool
// said is quoted by its last line (redact.ts: CR and CRLF end a line too, so no carriage return gets in).
import { lastLine } from '../redact.js';

export interface ProcessResult {
  /** The command as a user would type it, for messages: `ssh -G -- devbox`. */
  command: string;
  /** undefined when it did not run to an exit: not found, timed out, killed, cancelled. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The program is not installed (or not on PATH): callers say "install X". */
  notFound: boolean;
  /** It ran past its limit and was stopped (SIGTERM, then SIGKILL). */
  timedOut: boolean;
  /** '' when it exited 0; else one line that names the command and says what happened. */
  failure: string;
}

/** The fields of an execa result (or ExecaError) that we read; kept narrow so tests can build one. */
export interface RawResult {
  exitCode?: number;
  signal?: string;
  stdout?: unknown;
  stderr?: unknown;
  failed: boolean;
  timedOut: boolean;
  isCanceled: boolean;
  isMaxBuffer: boolean;
  code?: string;
  originalMessage?: string;
  shortMessage?: string;
}

const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** `file args…`, each word shell-quoted when it needs it, so a user can paste it into a terminal. */
export function commandLine(file: string, args: readonly string[]): string {
  return [file, ...args]
    .map((word) => (PLAIN_WORD.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
    .join(' ');
}

export interface Limits {
  timeoutMs?: number;
  /** execa's maxBuffer, which it counts in characters of the decoded text (encoding utf8), not bytes. */
  maxBufferChars?: number;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** Why `raw` is not a success, in one line that starts with the command. */
function describeFailure(command: string, raw: RawResult, limits: Limits, stderr: string): string {
  const quoted = `\`${command}\``;
  if (raw.code === 'ENOENT') return `${quoted} could not run: ${command.split(' ')[0]} was not found on PATH`;
  if (raw.timedOut)
    return `${quoted} did not finish within ${seconds(limits.timeoutMs ?? 0)} and was stopped`;
  if (raw.isMaxBuffer)
    return `${quoted} printed more than ${limits.maxBufferChars ?? '?'} characters and was stopped`;
  if (raw.isCanceled) return `${quoted} was cancelled`;
  if (raw.signal) return `${quoted} was killed by ${raw.signal}`;
  if (raw.exitCode !== undefined) {
    const said = lastLine(stderr);
    return `${quoted} exited with code ${raw.exitCode}${said ? `: ${said}` : ''}`;
  }
  const why = raw.originalMessage || raw.shortMessage || 'unknown error';
  return `${quoted} could not run: ${lastLine(why)}`;
}

export function toResult(command: string, raw: RawResult, limits: Limits = {}): ProcessResult {
  const stdout = typeof raw.stdout === 'string' ? raw.stdout : '';
  const stderr = typeof raw.stderr === 'string' ? raw.stderr : '';
  // A timeout or cancel leaves an exit code of undefined in execa; a signal death too. Keep that.
  const ranToExit = !raw.timedOut && !raw.isCanceled && !raw.isMaxBuffer && raw.signal === undefined;
  return {
    command,
    exitCode: ranToExit ? raw.exitCode : undefined,
    stdout,
    stderr,
    notFound: raw.code === 'ENOENT',
    timedOut: raw.timedOut,
    failure: raw.failed ? describeFailure(command, raw, limits, stderr) : '',
  };
}
