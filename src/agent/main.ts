// The agent process: one per user (per state directory). Takes the single-instance lock, restores the
// saved sessions, answers the control socket, and on SIGTERM/SIGINT or a `shutdown` request stops in
// order: no new requests, every session's listeners then its SSH connection, the socket file, the lock.
import { agentLockPath, agentLogFile, controlSocketPath } from '../config/paths.js';
import { startControlServer } from '../control/server.js';
import { describeError } from '../errors.js';
import { type Logger, rotatingFileLogger } from '../log.js';
import { VERSION } from '../version.js';
import { Agent } from './agent.js';
import { agentHandlers } from './handlers.js';
import { acquireAgentLock } from './lock.js';
import { restoreChildEnvironment } from './node-flags.js';

/** Errors from a peer that went away (a CLI killed mid-reply, a client reset): never worth dying for. */
function isPeerError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ERR_STREAM_DESTROYED';
}

function guardProcess(log: Logger, stop: (reason: string) => void): void {
  process.on('uncaughtException', (error) => {
    // Forwards outlive a stray socket error; anything else is a bug, and a clean restart (the saved
    // sessions come back) beats running on in an unknown state.
    log(isPeerError(error) ? 'warn' : 'error', `uncaught: ${describeError(error)}`, { stack: error.stack });
    if (!isPeerError(error)) stop('internal error (see the log)');
  });
  process.on('unhandledRejection', (reason) => log('error', `unhandled rejection: ${describeError(reason)}`));
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Started from a terminal that closes: keep forwarding.
  process.on('SIGHUP', () => log('info', 'SIGHUP ignored'));
}

export async function runAgent(): Promise<void> {
  restoreChildEnvironment();
  const log = rotatingFileLogger(agentLogFile(), { base: { pid: process.pid } });
  const socketPath = controlSocketPath();
  const lock = await acquireAgentLock({ lockFile: agentLockPath(), socketPath, version: VERSION });
  if (!lock.acquired) {
    // Two CLIs started an agent at once: the other one won, which is all anyone wanted.
    log('info', 'another agent is running; exiting', { holder: lock.holder });
    return;
  }
  let stopWith: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    stopWith = resolve;
  });
  guardProcess(log, (reason) => stopWith(reason));
  const agent = new Agent(log);
  const startedAt = new Date().toISOString();
  let server: Awaited<ReturnType<typeof startControlServer>>;
  try {
    server = await startControlServer({
      socketPath,
      log,
      agentVersion: VERSION,
      handlers: agentHandlers({
        agent,
        socketPath,
        startedAt,
        requestShutdown: (reason) => stopWith(reason),
      }),
    });
  } catch (error) {
    log('error', `agent not started: ${describeError(error)}`);
    lock.lock.release();
    process.exitCode = 1;
    return;
  }
  log('info', 'agent started', { version: VERSION, socketPath, restored: await agent.restore() });
  const reason = await stopped;
  log('info', `agent stopping: ${reason}`);
  // Watches end with their reply before the connections close, so a watcher knows it was a shutdown.
  agent.feed.close();
  await new Promise((resolve) => setImmediate(resolve));
  const closing = server.close();
  await agent.stopAll();
  await closing;
  lock.lock.release();
  log('info', 'agent stopped');
  // ssh2 closes sockets gracefully, which keeps the event loop alive for a second for nothing.
  process.exit(reason.startsWith('internal') ? 1 : 0);
}
