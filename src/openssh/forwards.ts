// forwardOut on the OpenSSH transport: one `ssh -O forward -L <dir>/f<n>:<host>:<port>` per host:port
// for the life of the master (the first callers share it), then one Unix-socket connection per
// forwardOut. ssh opens the direct-tcpip channel when we connect; a port that refuses shows as a
// connection the far side closes at once, as with `ssh -L`.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import type { ProcessResult } from '../process/result.js';
import { remoteText } from '../redact.js';
import { controlArgs, forwardSpec } from './argv.js';

export interface ForwardsContext {
  controlPath: string;
  nextSocketPath: () => string;
  /** Runs `ssh args…` to its end (runProcess in production, a fake in tests). */
  runSsh: (args: string[]) => Promise<ProcessResult>;
  onBytes: (count: number) => void;
}

function forwardError(host: string, port: number, why: string): TunnelError {
  return new TunnelError('FORWARD', `Cannot forward to ${host}:${port} through the OpenSSH master: ${why}`, {
    hint: 'The SSH connection may have just dropped; it is re-established on reconnect. If it persists, check AllowTcpForwarding in the sshd_config of the dev server.',
  });
}

/**
 * Counts bytes as the socket hands them to its reader. A 'data' listener would switch the socket to
 * flowing mode before the caller pipes it (and lose what arrives meanwhile); net.Socket calls push()
 * for every chunk it reads, so wrapping push counts without changing the flow.
 */
export function countReads(socket: net.Socket, onBytes: (count: number) => void): void {
  const push = socket.push.bind(socket);
  socket.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk instanceof Uint8Array) onBytes(chunk.length);
    return push(chunk, encoding);
  };
}

export class Forwards {
  private readonly sockets = new Map<string, Promise<string>>();

  constructor(private readonly context: ForwardsContext) {}

  async open(host: string, port: number): Promise<Duplex> {
    const socketPath = await this.socketFor(host, port);
    return await new Promise((resolve, reject) => {
      const socket = net.connect(socketPath);
      const onError = (error: Error) => {
        // The socket is gone with its master; the next forwardOut asks for a new one.
        this.sockets.delete(`${host}:${port}`);
        reject(forwardError(host, port, error.message));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        countReads(socket, this.context.onBytes);
        resolve(socket);
      });
    });
  }

  /** The forward's socket, added to the master on first use; concurrent first calls share one request. */
  private socketFor(host: string, port: number): Promise<string> {
    const key = `${host}:${port}`;
    let socket = this.sockets.get(key);
    if (!socket) {
      socket = this.add(host, port);
      this.sockets.set(key, socket);
      socket.catch(() => this.sockets.delete(key));
    }
    return socket;
  }

  private async add(host: string, port: number): Promise<string> {
    const socketPath = this.context.nextSocketPath();
    const spec = forwardSpec(socketPath, host, port);
    const result = await this.context.runSsh(controlArgs(this.context.controlPath, 'forward', ['-L', spec]));
    if (result.exitCode !== 0) {
      throw forwardError(host, port, remoteText(result.failure || 'ssh -O forward failed'));
    }
    return socketPath;
  }
}
