// The OpenSSH master: `ssh -M -S <dir>/m -N <alias>` with the user's config, its questions relayed to
// our callbacks, and the wait until it is logged in. ssh creates the control socket only after the login
// (ssh.c: muxserver_listen comes after authentication), so we watch for it and then ask the master
// itself (`-O check`). The master exiting first is a failed login, explained from its stderr. It runs in
// a process group of its own, with its ProxyJump hops and their askpass helpers: a secret nobody answers
// kills that group before any of them could send an empty one.
import fs from 'node:fs';
import { TunnelError } from '../errors.js';
import { runProcess } from '../process/run.js';
import { type RunningProcess, startProcess } from '../process/start.js';
import { remoteText, stderrLines } from '../redact.js';
import { connectError } from '../ssh/connect-errors.js';
import { PausableDeadline } from '../ssh/handshake.js';
import type { SshTarget } from '../ssh/types.js';
import { controlArgs, loginOverrides, masterArgs, SSH } from './argv.js';
import { type AskpassRelay, startAskpassRelay } from './askpass-relay.js';
import { loginError, needsAnswerError } from './close-reason.js';
import type { OpenSshOptions } from './connection.js';
import { writeMasterConfig } from './master-config.js';
import type { PrivateDir } from './private-dir.js';
import { answerQuestions, type QuestionState } from './questions.js';

/** How much of the master's stderr we keep: enough for a host-key warning and the last messages. */
const STDERR_TAIL_CHARS = 16 * 1024;
const CHECK_TIMEOUT_MS = 10_000;

export interface Master {
  readonly process: RunningProcess;
  readonly relay: AskpassRelay;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the master answers on its control socket (`ssh -O check`). */
export async function masterAnswers(controlPath: string): Promise<boolean> {
  const result = await runProcess({
    file: SSH,
    args: controlArgs(controlPath, 'check'),
    timeoutMs: CHECK_TIMEOUT_MS,
  });
  return result.exitCode === 0;
}

/** Polls (25 ms, growing to 250 ms) until the control socket exists and the master answers on it. */
async function loggedIn(controlPath: string, master: RunningProcess, gone: () => boolean): Promise<void> {
  let wait = 25;
  while (!gone()) {
    if (fs.existsSync(controlPath) && (await masterAnswers(controlPath))) return;
    await Promise.race([sleep(wait), master.exited]);
    wait = Math.min(250, Math.round(wait * 1.5));
  }
}

function loginTimeoutMs(target: SshTarget, options: OpenSshOptions): number {
  return (
    options.readyTimeoutMs ?? (target.connectTimeoutSeconds ? target.connectTimeoutSeconds * 1000 : 20_000)
  );
}

/** One login attempt: the master, why it was stopped (timeout, abort, an unanswered question), and the relay. */
class Login {
  readonly deadline: PausableDeadline;
  readonly questions: QuestionState = { unanswered: false };
  master: RunningProcess | undefined;
  failure: unknown;
  done = false;
  exited = false;

  constructor(
    readonly target: SshTarget,
    readonly options: OpenSshOptions,
  ) {
    this.deadline = new PausableDeadline(loginTimeoutMs(target, options));
  }

  /** Ends the attempt: the first reason given is the one reported (undefined = explain from stderr). */
  stop(why: unknown): void {
    this.failure ??= why;
    this.master?.stop();
  }

  /**
   * A secret went unanswered (or asking failed): no empty password may reach any server. The master's
   * whole process group is killed (a ProxyJump hop's `ssh -W` asking is in it) before its helper is let
   * go; settles once the master is gone. Even after the login, should anything ask then.
   */
  readonly onUnanswered = async (failure?: unknown): Promise<void> => {
    if (!this.master) return;
    this.failure ??= failure ?? needsAnswerError(this.target);
    this.master.kill();
    await this.master.exited;
  };

  readonly onAbort = () =>
    this.stop(this.options.signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));

  get over(): boolean {
    return this.exited || this.failure !== undefined;
  }
}

/** Nobody can answer a password or code: ssh must not try those methods (see questions.ts). */
function canAnswer(target: SshTarget, options: OpenSshOptions): boolean {
  return options.askSecret !== undefined && !target.batchMode;
}

/** `-F` for the master: the generated config when a ProxyJump hop must get our options too. */
async function configFileFor(login: Login, dir: PrivateDir): Promise<string | undefined> {
  const { target, options } = login;
  const overrides = loginOverrides({
    hostKeyPolicy: options.hostKeyPolicy,
    canAnswer: canAnswer(target, options),
  });
  if (target.proxyJump === undefined || overrides.length === 0) return options.configFile;
  return await writeMasterConfig(dir.configPath, overrides, options.configFile);
}

async function launch(login: Login, dir: PrivateDir, relay: AskpassRelay): Promise<RunningProcess> {
  const { target, options } = login;
  const master = await startProcess({
    file: SSH,
    args: masterArgs(target, {
      configFile: await configFileFor(login, dir),
      controlPath: dir.controlPath,
      hostKeyPolicy: options.hostKeyPolicy,
      canAnswer: canAnswer(target, options),
    }),
    env: { ...process.env, ...relay.env },
    // Its own process group: the ProxyJump `ssh -W` it starts and their askpass helpers go with it.
    ownProcessGroup: true,
    stderrTailChars: STDERR_TAIL_CHARS,
    // The stderr quotes the server (its banner, its DISCONNECT text): escaped before it is logged.
    onStderr: (text) => logStderr(options, target, text),
  });
  login.master = master;
  void master.exited.then(() => {
    login.exited = true;
  });
  return master;
}

/** The master's messages go to the debug log; a key ssh added to known_hosts is news (info), as on ssh2. */
function logStderr(options: OpenSshOptions, target: SshTarget, text: string): void {
  for (const line of stderrLines(text)) {
    const added = line.startsWith('Warning: Permanently added ');
    const message = added ? remoteText(line.replace(/^Warning: /, '')) : `ssh master: ${remoteText(line)}`;
    options.log?.(added ? 'info' : 'debug', message, { host: target.alias });
  }
}

/** Why the master exited (or was stopped) before it was logged in. */
async function failureOf(login: Login, master: RunningProcess): Promise<unknown> {
  // Stopped by us: the reason we stopped it (startMaster's catch waits for its exit).
  if (login.failure !== undefined) return login.failure;
  const result = await master.exited;
  const { target, options } = login;
  if (result.notFound) {
    return new TunnelError(
      'SSH_CONNECT',
      `Cannot connect to ${target.alias} through OpenSSH: ssh was not found on PATH`,
      {
        hint: 'Install the OpenSSH client (ssh), or connect with --transport ssh2 if this host does not need it.',
      },
    );
  }
  // Password and keyboard-interactive were off because nobody could answer: a denial is "needs an answer".
  const couldAsk =
    !target.batchMode && (target.passwordAuthentication || target.kbdInteractiveAuthentication);
  const turnedOff = !canAnswer(target, options) && couldAsk && offersAnswerable(result.stderr);
  return loginError(target, result.stderr, {
    unanswered: login.questions.unanswered || turnedOff,
    answered: login.questions.answered === true,
    unattended: options.hostKeyPolicy.unattended === true,
  });
}

/** Starts the master and resolves once it is logged in; on any failure nothing is left running. */
export async function startMaster(
  target: SshTarget,
  dir: PrivateDir,
  options: OpenSshOptions,
): Promise<Master> {
  const login = new Login(target, options);
  const answer = answerQuestions(
    { ...options, alias: target.alias },
    login.deadline,
    login.questions,
    login.onUnanswered,
  );
  const relay = await startAskpassRelay(dir, answer, { identityFiles: target.identityFiles });
  try {
    options.signal?.throwIfAborted();
    const master = await launch(login, dir, relay);
    options.signal?.addEventListener('abort', login.onAbort, { once: true });
    const seconds = Math.round(login.deadline.totalMs / 1000);
    login.deadline.start(() => login.stop(connectError(target, `not logged in within ${seconds} s`)));
    await loggedIn(dir.controlPath, master, () => login.over);
    if (login.over) throw await failureOf(login, master);
    checkNotChanged(target, master);
    login.done = true;
    return { process: master, relay };
  } catch (error) {
    // Every ssh of the login dead before the relay drops a waiting helper: dropped, it exits 1, and an
    // ssh still alive would send "" as the answer (readpass.c).
    login.master?.kill();
    await login.master?.exited;
    relay.close();
    throw error;
  } finally {
    login.deadline.stop();
    options.signal?.removeEventListener('abort', login.onAbort);
  }
}

/** "Permission denied (publickey,password)": the server would have taken an answer nobody could give. */
function offersAnswerable(stderr: string): boolean {
  return /Permission denied \([^)]*(password|keyboard-interactive)/.test(stderr);
}

/**
 * Under StrictHostKeyChecking=no, ssh logs in despite a changed host key (with password auth and forwards
 * off); the ssh2 transport always refuses a changed key, and so do we.
 */
function checkNotChanged(target: SshTarget, master: RunningProcess): void {
  const tail = master.stderrTail();
  if (!/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(tail)) return;
  throw loginError(target, `${tail}\nHost key verification failed.`, { unanswered: false });
}
