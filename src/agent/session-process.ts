// The detached process that keeps one host's forwards alive after `tunnel connect` returns. It gets
// its options over IPC, asks its parent (the CLI at the terminal) whatever needs a person, reports
// ready, then lives until the SSH connection ends or it is told to stop (SIGTERM/SIGINT).
import { describeError, isTunnelError, TunnelError } from '../errors.js';
import { fileLogger } from '../log.js';
import { type Interaction, Session } from '../session/session.js';
import { type ChildMessage, deserializeOptions, type ParentMessage } from './ipc.js';
import { removeSessionRecord, sessionLogFile, writeSessionRecord } from './registry.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, undefined, () => resolve());
  });
}

function ipcInteraction(): Interaction {
  let nextId = 1;
  const pending = new Map<number, (value: string | boolean | undefined) => void>();
  process.on('message', (message: ParentMessage) => {
    if (message.type !== 'answer') return;
    pending.get(message.id)?.(message.value);
    pending.delete(message.id);
  });
  const ask = (kind: 'confirm' | 'passphrase', text: string) =>
    new Promise<string | boolean | undefined>((resolve) => {
      if (!process.connected) return resolve(undefined);
      const id = nextId++;
      pending.set(id, resolve);
      void send({ type: 'ask', id, kind, text });
    });
  return {
    confirm: async (question) => (await ask('confirm', question)) === true,
    askPassphrase: async (file) => {
      const value = await ask('passphrase', file);
      return typeof value === 'string' ? value : undefined;
    },
  };
}

function waitForStart(): Promise<ParentMessage & { type: 'start' }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no start message from the CLI')), 10_000);
    process.on('message', (message: ParentMessage) => {
      if (message.type !== 'start') return;
      clearTimeout(timer);
      resolve(message);
    });
  });
}

export async function runSessionProcess(): Promise<void> {
  const start = await waitForStart();
  const options = deserializeOptions(start.options);
  const logFile = sessionLogFile(options.alias);
  const log = fileLogger(logFile, { host: options.alias, pid: process.pid });
  let session: Session;
  try {
    session = await Session.start(options, ipcInteraction(), log);
  } catch (error) {
    log('error', `session did not start: ${describeError(error)}`);
    const tunnelError = isTunnelError(error) ? error : undefined;
    await send({
      type: 'failed',
      error: { code: tunnelError?.code, message: describeError(error), hint: tunnelError?.hint },
    });
    process.disconnect?.();
    // Nothing of this session may linger (a stray handle would keep a process holding ports).
    process.exit(1);
  }
  await writeSessionRecord({
    alias: options.alias,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    logFile,
    report: session.report,
  });
  log('info', 'forwarding', { forwards: session.report.forwards.length });
  await send({ type: 'ready', report: session.report, pid: process.pid, logFile });
  process.disconnect?.();
  await holdUntilDone(session, options.alias, log);
}

async function holdUntilDone(session: Session, alias: string, log: ReturnType<typeof fileLogger>) {
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const outcome = await Promise.race([
    stopSignal.then((signal) => `stopped by ${signal}`),
    session.closed.then((reason) => `SSH connection ended (${reason.kind}): ${reason.message}`),
  ]);
  log(outcome.startsWith('stopped') ? 'info' : 'warn', outcome);
  await session.stop();
  removeSessionRecord(alias, process.pid);
  if (!outcome.startsWith('stopped')) {
    // No supervisor yet (see the agent issue): the forwards are gone, so say so and exit non-zero.
    log('error', new TunnelError('SSH_CONNECT', outcome).message);
  }
  // Listeners are closed and the record is gone; ssh2's graceful close of the socket would keep the
  // process (and `tunnel disconnect`, which waits for it) around for about a second for nothing.
  process.exit(outcome.startsWith('stopped') ? 0 : 1);
}
