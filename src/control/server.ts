// The agent's control server: a Unix socket (0600, in a 0700 directory) speaking the NDJSON protocol
// of protocol.ts. It owns the socket file's lifecycle: a stale file is replaced, a live one means
// another agent is running and we refuse. It knows nothing of sessions: handlers do the work.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import { type LimitedLog, limitedLog } from './log-limit.js';
import {
  type ConnectionLimits,
  type ConnectionStats,
  type Handlers,
  ServerConnection,
} from './server-connection.js';
import { ensurePrivateDir } from './socket-dir.js';

export type { Handlers, RequestContext } from './server-connection.js';

export interface ControlServerOptions {
  socketPath: string;
  handlers: Handlers;
  log: Logger;
  agentVersion: string;
  maxLineBytes?: number;
  limits?: ConnectionLimits;
  /** The clock of the bad-frame log's rate limit (tests inject one). */
  now?: () => number;
}

export interface ControlServer {
  readonly socketPath: string;
  /** What the agent holds for each open connection (tests assert backpressure on these). */
  connectionStats(): ConnectionStats[];
  /** Stops accepting, ends every connection, removes the socket file (if it is still ours). */
  close(): Promise<void>;
}

const anotherAgentHint = 'Run `tunnel agent status` to see it, or `tunnel agent stop` to replace it.';

/** Whether something accepts connections on `socketPath` (a live agent) right now. */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const finish = (answers: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answers);
    };
    // A listener so wedged it does not even accept within the timeout counts as alive: removing the
    // socket of a process that still runs would leave two agents.
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function clearStaleSocket(socketPath: string): Promise<void> {
  let stats: fs.Stats;
  try {
    stats = fs.lstatSync(socketPath);
  } catch {
    return; // Nothing there: the common case.
  }
  if (!stats.isSocket()) {
    // Not ours to delete: something other than a socket sits where ours must go.
    throw new TunnelError('AGENT', `${socketPath} exists and is not a socket`, {
      hint: `Move ${socketPath} away, then retry.`,
    });
  }
  if (await socketAnswers(socketPath)) {
    throw new TunnelError('AGENT', `another agent is already listening on ${socketPath}`, {
      hint: anotherAgentHint,
    });
  }
  // A socket file nobody listens on is left by an agent that died (kill -9, power loss): remove it.
  fs.rmSync(socketPath, { force: true });
}

function listen(server: net.Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      // EADDRINUSE here means another agent bound the path between our check and our listen.
      const message =
        error.code === 'EADDRINUSE'
          ? `another agent took ${socketPath} first`
          : `cannot listen on ${socketPath}`;
      reject(new TunnelError('AGENT', message, { hint: anotherAgentHint, cause: error }));
    };
    server.once('error', onError);
    server.listen(socketPath, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { socketPath, log } = options;
  ensurePrivateDir(path.dirname(socketPath));
  await clearStaleSocket(socketPath);
  const connections = new Set<ServerConnection>();
  // One limit for all connections: a client reconnecting for every garbage line gains nothing.
  const badFrameLog = limitedLog(log, { level: 'warn', message: 'bad control frame', now: options.now });
  const server = net.createServer((socket) => {
    const connection = new ServerConnection(socket, { ...options, badFrameLog });
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  // After listen, errors on the server object (rare: EMFILE on accept) must be logged, not thrown.
  server.on('error', (error) => log('error', 'control server error', { error: error.message }));
  // Created 0600 (umask 077 around bind, restored at once: the agent is one thread), so a CLI probing
  // between bind and chmod never sees a socket others may write (with umask 002 it was 0775).
  const umask = process.umask(0o077);
  try {
    await listen(server, socketPath);
  } finally {
    process.umask(umask);
  }
  // The 0700 directory already keeps others out; 0600 is the second lock on the door.
  fs.chmodSync(socketPath, 0o600);
  const inode = fs.lstatSync(socketPath).ino;
  log('info', 'control socket listening', { socketPath });
  return {
    socketPath,
    connectionStats: () => [...connections].map((connection) => connection.stats()),
    close: () => closeServer({ server, connections, socketPath, inode, badFrameLog }),
  };
}

interface ClosingState {
  server: net.Server;
  connections: Set<ServerConnection>;
  socketPath: string;
  inode: number;
  badFrameLog: LimitedLog;
}

async function closeServer(state: ClosingState): Promise<void> {
  const { server, connections, socketPath, inode } = state;
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.all([...connections].map((connection) => connection.end()));
  await stopped;
  state.badFrameLog.flush();
  // Only unlink the file we created: a newer agent may already have replaced a socket we lost.
  try {
    if (fs.lstatSync(socketPath).ino === inode) fs.rmSync(socketPath, { force: true });
  } catch {
    // Already gone.
  }
}
