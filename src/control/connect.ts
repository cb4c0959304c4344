// Reaching the agent's socket: the trust checks (peer.ts) before a byte is sent, then a ControlClient.
import net from 'node:net';
import { TunnelError } from '../errors.js';
import {
  AgentUnavailableError,
  ControlClient,
  type ControlClientOptions,
  type HelloInfo,
  stuckHint,
} from './client.js';
import { checkPeer, checkSocketFile } from './peer.js';

/**
 * Connects to the agent's socket; AgentUnavailableError when nobody listens there. Before a byte is
 * sent, the socket, its directory and the listening process must be ours (peer.ts): a TunnelError
 * otherwise, and the connection is dropped unused.
 */
export function connectControl(
  socketPath: string,
  options: ControlClientOptions = {},
): Promise<ControlClient> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  try {
    if (checkSocketFile(socketPath) === 'missing') {
      return Promise.reject(new AgentUnavailableError('no agent is running'));
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new AgentUnavailableError(`the agent did not accept a connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      try {
        checkPeer(socketPath, options.agentPid);
      } catch (error) {
        socket.destroy();
        reject(error);
        return;
      }
      resolve(new ControlClient(socket, options));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectError(socketPath, error));
    });
  });
}

function connectError(socketPath: string, error: NodeJS.ErrnoException): TunnelError {
  // ENOENT: no socket file; ECONNREFUSED: a file left by a dead agent. Both mean "start one".
  if (error.code === 'ENOENT' || error.code === 'ECONNREFUSED') {
    return new AgentUnavailableError('no agent is running', error);
  }
  return new TunnelError('AGENT', `cannot reach the agent at ${socketPath}: ${error.message}`, {
    hint: stuckHint,
    cause: error,
  });
}

/** The agent's hello, or undefined if nothing answers it in time (used by the lock's liveness probe). */
export async function probeAgent(
  socketPath: string,
  clientVersion: string,
  { timeoutMs = 2000, agentPid }: { timeoutMs?: number; agentPid?: number } = {},
): Promise<HelloInfo | undefined> {
  let client: ControlClient | undefined;
  try {
    client = await connectControl(socketPath, { timeoutMs, agentPid });
    return await client.hello(clientVersion);
  } catch {
    return undefined;
  } finally {
    client?.close();
  }
}
