// One local listener per forward. Each accepted connection gets its own SSH channel; a channel the dev
// server refuses closes that one client connection and is logged, never the listener or the session.
// Owns its sockets: stop() closes the server and every connection it accepted.
import net from 'node:net';
import { describeError, TunnelError } from '../errors.js';
import type { ForwardSpec } from '../plan/types.js';
import { pipeBoth } from './pipe.js';
import type { ChannelOpener, ForwardLog, ForwardSnapshot, ForwardStats } from './types.js';

function emptyStats(): ForwardStats {
  return {
    open: 0,
    total: 0,
    bytesIn: 0,
    bytesOut: 0,
    failed: 0,
    lastError: undefined,
    lastErrorAt: undefined,
    lastActivityAt: undefined,
  };
}

export class ForwardListener {
  readonly spec: ForwardSpec;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly stats = emptyStats();
  private listening = false;

  constructor(
    spec: ForwardSpec,
    private readonly openChannel: ChannelOpener,
    private readonly log: ForwardLog,
  ) {
    this.spec = spec;
    // allowHalfOpen: a client that sends EOF (e.g. after its request) still gets the reply.
    this.server = net.createServer({ noDelay: true, allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  async start(): Promise<void> {
    const { localAddress, localPort } = this.spec;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const inUse = error.code === 'EADDRINUSE';
        reject(
          new TunnelError('PORT', `cannot listen on ${localAddress}:${localPort}: ${error.message}`, {
            cause: error,
            hint: inUse
              ? `Another process holds the port. Find it with: lsof -nP -iTCP:${localPort} -sTCP:LISTEN`
              : 'Check the --bind address exists on this machine.',
          }),
        );
      };
      this.server.once('error', onError);
      this.server.listen({ host: localAddress, port: localPort, exclusive: true }, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.server.on('error', (error) => this.recordError(`listener: ${describeError(error)}`));
    this.listening = true;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  snapshot(): ForwardSnapshot {
    return { spec: this.spec, state: this.listening ? 'listening' : 'stopped', stats: { ...this.stats } };
  }

  private recordError(message: string): void {
    this.stats.lastError = message;
    this.stats.lastErrorAt = new Date().toISOString();
  }

  private accept(socket: net.Socket): void {
    this.stats.total += 1;
    this.stats.open += 1;
    this.stats.lastActivityAt = new Date().toISOString();
    this.sockets.add(socket);
    // Until the channel exists, a client reset must not crash us.
    const earlyError = (error: Error) => this.recordError(`client: ${describeError(error)}`);
    socket.on('error', earlyError);
    socket.pause();
    const source = { address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0 };
    this.openChannel(this.spec, source).then(
      (channel) => {
        if (socket.destroyed) {
          channel.destroy();
          this.release(socket);
          return;
        }
        socket.off('error', earlyError);
        socket.resume();
        pipeBoth(socket, channel, this.stats).then(({ error }) => {
          if (error) this.recordError(describeError(error));
          this.stats.lastActivityAt = new Date().toISOString();
          this.release(socket);
        });
      },
      (error: unknown) => {
        this.stats.failed += 1;
        const remote = `${this.spec.remoteHost}:${this.spec.remotePort}`;
        this.recordError(`dev server refused ${remote}: ${describeError(error)}`);
        this.log('warn', `connection to ${remote} on the dev server failed; closed the client`, {
          forward: this.spec.id,
          error: describeError(error),
        });
        socket.destroy();
        this.release(socket);
      },
    );
  }

  private release(socket: net.Socket): void {
    if (this.sockets.delete(socket)) this.stats.open -= 1;
  }
}
