// Every local process tunnel runs goes through here (ssh -G, lsof/ss/ps, docker, launchctl/systemctl,
// openssl, the ProxyCommand): on execa, so a failure names the command, a timeout kills the process
// (SIGTERM, then SIGKILL), and a process still running when tunnel exits is killed with it.
// Never through a shell: the program and its words are given apart.
import { loadExeca } from './execa.js';
import { commandLine, type ProcessResult, type RawResult, toResult } from './result.js';

export interface RunRequest {
  /** The program, looked up on PATH. */
  file: string;
  args: readonly string[];
  /** Every run has a limit; past it the process is stopped and the result says `timedOut`. */
  timeoutMs: number;
  /** The whole environment when given (not added to ours): ssh -G reads only what it is handed. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Aborting stops the process; the result then says it was cancelled. */
  signal?: AbortSignal;
  /** Per output stream, in characters (execa counts the decoded text); more stops the process. Default 4 Mi. */
  maxBufferChars?: number;
  /**
   * A process group of its own: Ctrl-C in the terminal does not reach it, so a step can finish before
   * the caller stops (the demo). It is then not killed when tunnel exits; the timeout still applies.
   */
  ownProcessGroup?: boolean;
}

const DEFAULT_MAX_BUFFER = 4 * 1024 * 1024;
/** How long a process stopped with SIGTERM gets before SIGKILL. */
export const KILL_GRACE_MS = 2000;

/** Runs `file args…` to its end with stdin closed; never rejects: the result says what happened. */
export async function runProcess(request: RunRequest): Promise<ProcessResult> {
  const { execa } = await loadExeca();
  const maxBufferChars = request.maxBufferChars ?? DEFAULT_MAX_BUFFER;
  const raw = await execa(request.file, [...request.args], {
    reject: false,
    stdin: 'ignore',
    encoding: 'utf8',
    stripFinalNewline: false,
    timeout: request.timeoutMs,
    forceKillAfterDelay: KILL_GRACE_MS,
    maxBuffer: maxBufferChars,
    cancelSignal: request.signal,
    env: request.env,
    extendEnv: request.env === undefined,
    cwd: request.cwd,
    detached: request.ownProcessGroup === true,
  });
  return toResult(commandLine(request.file, request.args), raw as RawResult, {
    timeoutMs: request.timeoutMs,
    maxBufferChars,
  });
}
