// The OpenSSH master: `ssh -M -S <dir>/m -N <alias>` with the user's config, its questions relayed to
// our callbacks, and the wait until it is logged in. ssh creates the control socket only after the login
// (ssh.c: muxserver_listen comes after authentication), so we watch for it and then ask the master
// itself (`-O check`). The master exiting first is a failed login, explained from its stderr.
import fs from 'node:fs';
import { runProcess } from '../process/run.js';
import { type RunningProcess, startProcess } from '../process/start.js';
import { connectError } from '../ssh/connect-errors.js';
import { PausableDeadline } from '../ssh/handshake.js';
import type { SshTarget } from '../ssh/types.js';
import { controlArgs, masterArgs, SSH } from './argv.js';
import { type AskpassRelay, startAskpassRelay } from './askpass-relay.js';
import { loginError } from './close-reason.js';
import type { OpenSshOptions } from './connection.js';
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

/** Starts the master and resolves once it is logged in; on any failure nothing is left running. */
export async function startMaster(
  target: SshTarget,
  dir: PrivateDir,
  options: OpenSshOptions,
): Promise<Master> {
  const deadline = new PausableDeadline(loginTimeoutMs(target, options));
  const state: QuestionState = { unanswered: false };
  let master: RunningProcess | undefined;
  let failure: unknown;
  let done = false;
  const stop = (why: unknown) => {
    failure ??= why;
    master?.stop();
  };
  const canAnswer = options.askSecret !== undefined && !target.batchMode;
  // Password and keyboard-interactive are turned off when nobody can answer: a failure is then "needs an answer".
  const couldAsk =
    !target.batchMode && (target.passwordAuthentication || target.kbdInteractiveAuthentication);
  const relay = await startAskpassRelay(
    dir,
    answerQuestions({ ...options, alias: target.alias }, deadline, state, () => {
      if (master && !done) stop(undefined);
    }),
  );
  const onAbort = () =>
    stop(options.signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
  try {
    options.signal?.throwIfAborted();
    master = await startProcess({
      file: SSH,
      args: masterArgs(target, {
        configFile: options.configFile,
        controlPath: dir.controlPath,
        hostKeyPolicy: options.hostKeyPolicy,
        canAnswer,
      }),
      env: { ...process.env, ...relay.env },
      stderrTailChars: STDERR_TAIL_CHARS,
      onStderr: (text) => options.log?.('debug', `ssh master: ${text.trimEnd()}`, { host: target.alias }),
    });
    const running = master;
    options.signal?.addEventListener('abort', onAbort, { once: true });
    deadline.start(() =>
      stop(connectError(target, `not logged in within ${Math.round(deadline.totalMs / 1000)} s`)),
    );
    let exited = false;
    void running.exited.then(() => {
      exited = true;
    });
    await loggedIn(dir.controlPath, running, () => exited || failure !== undefined);
    if (exited || failure !== undefined) {
      const result = await running.exited;
      throw (
        failure ??
        loginError(target, result.stderr, {
          unanswered: state.unanswered || (!canAnswer && couldAsk && offersAnswerable(result.stderr)),
        })
      );
    }
    checkNotChanged(target, running);
    done = true;
    return { process: running, relay };
  } catch (error) {
    master?.stop();
    await master?.exited;
    relay.close();
    throw error;
  } finally {
    deadline.stop();
    options.signal?.removeEventListener('abort', onAbort);
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
