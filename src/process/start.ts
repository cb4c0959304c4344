// A long-lived local process whose stdout we stream (the ProxyCommand, docker save). Its stdin/stdout
// are the child's own pipes, so piping keeps Node's backpressure; its stderr is always read (a full
// pipe would block the child) into a bounded tail for messages. Stopped with SIGTERM, then SIGKILL;
// killed with tunnel when tunnel exits first (execa's cleanup).
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { loadExeca } from './execa.js';
import { commandLine, type ProcessResult, type RawResult, toResult } from './result.js';
import { KILL_GRACE_MS } from './run.js';

export interface StartRequest {
  file: string;
  args: readonly string[];
  /** 'pipe' gives the process a stdin to write to; by default it reads nothing. */
  stdin?: 'pipe' | 'ignore';
  env?: NodeJS.ProcessEnv;
  /** Each stderr chunk as it comes (for debug logs); the tail is kept either way. */
  onStderr?: (text: string) => void;
  /** How many characters (UTF-16 code units) of stderr to keep for stderrTail(). Default 64 Ki. */
  stderrTailChars?: number;
  /**
   * A process group of its own (setsid), stopped and killed as a whole: what it starts (an OpenSSH
   * master's ProxyJump `ssh -W`, its askpass helpers) goes with it. execa does not kill a detached child
   * when tunnel exits, so the group is killed from an exit hook here; a signal that kills tunnel without
   * running exit handlers leaves it running (as SIGKILL did before).
   */
  ownProcessGroup?: boolean;
}

export interface RunningProcess {
  /** As a user would type it, for messages. */
  command: string;
  pid: number | undefined;
  /** null unless the request asked for stdin: 'pipe'. */
  stdin: Writable | null;
  stdout: Readable;
  /** The last stderrTailChars characters of its stderr. */
  stderrTail(): string;
  /** Settles (never rejects) once it exited; stdout in it is '' (it was streamed), stderr is the tail. */
  exited: Promise<ProcessResult>;
  /** SIGTERM if it still runs, SIGKILL after a grace period; safe to call again. */
  stop(): void;
  /** SIGKILL at once (to its whole group when it has one): nothing of it runs another instruction. */
  kill(): void;
}

// Groups still alive, killed if this process exits first (see ownProcessGroup).
const liveGroups = new Set<number>();
let exitHooked = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

function trackGroup(pid: number, exited: Promise<unknown>): void {
  liveGroups.add(pid);
  // The leader gone (and its pipes closed): whatever it left in the group goes too, as it would have with
  // the leader's own kill. The pgid stays reserved while any member lives, so -pid is still this group.
  void exited.then(() => {
    killGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  });
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => {
    for (const each of liveGroups) killGroup(each, 'SIGKILL');
  };
  process.once('exit', killAll);
  // A detached group is not execa's to clean up, and a signal nobody handles ends Node without 'exit'
  // (a closed terminal's SIGHUP): kill the groups, then, if ours was the only listener, let the signal
  // do what it would have done without us (as signal-exit does).
  for (const signal of ['SIGHUP', 'SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      // Another listener (the agent ignores SIGHUP; commands stop cleanly on Ctrl-C) decides instead,
      // and 'exit' covers it if the process then ends.
      if (process.listenerCount(signal) !== 1) return;
      killAll();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

export async function startProcess(request: StartRequest): Promise<RunningProcess> {
  const { execa } = await loadExeca();
  const child = execa(request.file, [...request.args], {
    reject: false,
    buffer: false,
    stdin: request.stdin ?? 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    env: request.env,
    extendEnv: request.env === undefined,
    forceKillAfterDelay: KILL_GRACE_MS,
    detached: request.ownProcessGroup === true,
  });
  const tail = new TextTail(request.stderrTailChars ?? 64 * 1024);
  child.stderr.on('data', (chunk: Buffer) => {
    const text = tail.push(chunk);
    if (text !== '') request.onStderr?.(text);
  });
  const command = commandLine(request.file, request.args);
  const exited = child.then((raw) => toResult(command, { ...(raw as RawResult), stderr: tail.end() }));
  const running = () => child.exitCode === null && child.signalCode === null;
  const group = request.ownProcessGroup === true ? child.pid : undefined;
  if (group !== undefined) trackGroup(group, exited);
  let stopping: NodeJS.Timeout | undefined;
  return {
    command,
    pid: child.pid,
    stdin: child.stdin,
    stdout: child.stdout,
    stderrTail: () => tail.text,
    exited,
    stop: () => {
      if (group === undefined) {
        if (running()) child.kill();
        return;
      }
      if (stopping || !running()) return;
      killGroup(group, 'SIGTERM');
      stopping = setTimeout(() => killGroup(group, 'SIGKILL'), KILL_GRACE_MS);
      void exited.then(() => clearTimeout(stopping));
    },
    kill: () => {
      if (group !== undefined) killGroup(group, 'SIGKILL');
      else if (running()) child.kill('SIGKILL');
    },
  };
}

/**
 * The last `max` characters of a byte stream decoded as UTF-8: a character split across two chunks is
 * decoded whole (a StringDecoder holds its first bytes back), never as two U+FFFD.
 */
export class TextTail {
  private readonly decoder = new StringDecoder('utf8');
  text = '';

  constructor(private readonly max: number) {}

  /** Adds a chunk; returns the text it completed. */
  push(chunk: Buffer): string {
    return this.add(this.decoder.write(chunk));
  }

  /** The stream ended: whatever bytes were held back (an incomplete character) count, as U+FFFD. */
  end(): string {
    this.add(this.decoder.end());
    return this.text;
  }

  private add(text: string): string {
    if (text !== '') this.text = (this.text + text).slice(-this.max);
    return text;
  }
}
