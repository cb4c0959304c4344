// One local listener per forward. It stays bound while the session is down: a connection accepted
// without an opener is held (paused, unread) until an opener is set or the hold timeout passes. Each
// served connection gets its own SSH channel; a refused channel closes that one client, never the
// listener or the session. Owns its sockets: stop() closes the server and every connection it accepted.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { DEFAULT_HOLD_TIMEOUT_MS } from '../config/defaults.js';
import { describeError } from '../errors.js';
import type { ForwardSpec } from '../plan/types.js';
import { HeldClients } from './held-clients.js';
import { limitConnections } from './limit.js';
import { listenExclusive } from './listen.js';
import { pipeBoth } from './pipe.js';
import { reclaimAfterLeftBehind } from './reclaim.js';
import { StallWatch } from './stall-watch.js';
import { ListenerStats } from './stats.js';
import {
  type ChannelOpener,
  DEFAULT_STALL_AFTER_MS,
  emptyStats,
  type ForwardLog,
  type ForwardSnapshot,
  isLinkFailure,
  LINK_RETRY_MS,
  type ListenerOptions,
  LOCAL_HIGH_WATER_MARK,
  openFailure,
} from './types.js';

export { emptyStats };

/** One try at a channel for a socket; a socket handed to a new opener gets a new one. */
interface Attempt {
  socket: net.Socket;
}

export class ForwardListener {
  private current: ForwardSpec;
  private readonly server: net.Server;
  /** Every accepted socket still open, whatever its phase (held, opening, piped). */
  private readonly sockets = new Set<net.Socket>();
  private readonly held: HeldClients;
  /** Sockets waiting for a channel, each with a token naming its attempt (a stale result is discarded). */
  private readonly opening = new Map<net.Socket, Attempt>();
  private readonly stalls: StallWatch<Attempt>;
  private readonly piped = new Set<net.Socket>();
  private readonly stats: ListenerStats;
  private readonly holdTimeoutMs: number;
  private listening = false;

  constructor(
    spec: ForwardSpec,
    private opener: ChannelOpener | undefined,
    private readonly log: ForwardLog,
    private readonly options: ListenerOptions = {},
  ) {
    this.current = spec;
    this.holdTimeoutMs = options.holdTimeoutMs ?? DEFAULT_HOLD_TIMEOUT_MS;
    this.stats = new ListenerStats(options.onActivity);
    this.stalls = new StallWatch(options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS, (attempt) => {
      if (this.opening.get(attempt.socket) === attempt) this.options.onStall?.(this.spec);
    });
    this.held = new HeldClients(this.holdTimeoutMs, this.stats.counters, {
      retry: (socket) => this.serveOrHold(socket),
      timedOut: (socket) => this.timedOut(socket),
    });
    // allowHalfOpen: a client that sends EOF (e.g. after its request) still gets the reply.
    this.server = net.createServer(
      { noDelay: true, allowHalfOpen: true, highWaterMark: LOCAL_HIGH_WATER_MARK },
      (socket) => this.accept(socket),
    );
    limitConnections({
      server: this.server,
      forwardId: spec.id,
      maxConnections: options.maxConnections,
      log,
      recordError: (message) => this.stats.recordError(message),
    });
  }

  async start(): Promise<void> {
    await listenExclusive(this.server, this.spec.localAddress, this.spec.localPort);
    this.server.on('error', (error) => this.stats.recordError(`listener: ${describeError(error)}`));
    this.listening = true;
  }

  async stop(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.held.clearTimers();
    this.stalls.clear();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /**
   * Switches the SSH connection new client connections go through; undefined = the session is down.
   * Channels opened through the previous opener belong to a connection that is gone, so the clients
   * using them are dropped (and counted); clients still waiting for a channel try again on the new one.
   */
  setOpener(opener: ChannelOpener | undefined): void {
    if (opener === this.opener) return;
    this.opener = opener;
    this.dropPiped();
    const waiting = [...this.opening.keys(), ...this.held.releaseAll()];
    this.opening.clear();
    for (const socket of waiting) this.serveOrHold(socket);
  }

  /** What this listener forwards; its id and local address never change while it listens. */
  get spec(): ForwardSpec {
    return this.current;
  }

  /**
   * Points new connections at a new dev-server end (a Service's node changed) without closing the
   * port: connections already piped keep their channel. The last remote check was of the old end.
   */
  retarget(spec: ForwardSpec): void {
    if (spec.id !== this.current.id || spec.localAddress !== this.current.localAddress)
      throw new Error(`retarget of ${this.current.id} to another forward (${spec.id})`);
    if (spec.localPort !== this.current.localPort)
      throw new Error(`retarget of ${spec.id} to another local port (${spec.localPort})`);
    this.current = spec;
    this.stats.forgetRemote();
  }

  /** Records whether the dev-server end accepted a connection (a served client or a health check). */
  recordRemote(answers: boolean, error?: string): void {
    this.stats.recordRemote(answers, error);
  }

  snapshot(): ForwardSnapshot {
    return { spec: this.spec, state: this.listening ? 'listening' : 'stopped', stats: this.stats.snapshot() };
  }

  private accept(socket: net.Socket): void {
    this.stats.accepted();
    this.sockets.add(socket);
    this.held.accepted(socket);
    // Until the pipe owns the socket (and reports its errors), a client reset must not crash us.
    socket.on('error', (error) => {
      if (!this.piped.has(socket)) this.stats.recordError(`client: ${describeError(error)}`);
    });
    socket.once('close', () => this.release(socket));
    // Paused: bytes wait in the kernel until a channel exists, however long that takes.
    socket.pause();
    this.serveOrHold(socket);
    this.options.onActivity?.();
  }

  private serveOrHold(socket: net.Socket): void {
    if (socket.destroyed) return;
    if (this.opener) this.openFor(socket, this.opener);
    else {
      this.held.hold(socket);
      this.options.onActivity?.();
    }
  }

  private timedOut(socket: net.Socket): void {
    this.stats.counters.heldTimedOut += 1; // recordError below tells the feed.
    this.stats.recordError(`session down for ${this.holdTimeoutMs} ms; closed a waiting client`);
    this.log('warn', 'closed a client that waited too long for the session to come back', {
      forward: this.spec.id,
      holdTimeoutMs: this.holdTimeoutMs,
    });
    socket.destroy();
  }

  private openFor(socket: net.Socket, opener: ChannelOpener): void {
    const attempt: Attempt = { socket };
    this.opening.set(socket, attempt);
    const source = { address: socket.remoteAddress ?? '127.0.0.1', port: socket.remotePort ?? 0 };
    const current = () => this.opening.get(socket) === attempt;
    this.stalls.start(attempt);
    opener(this.spec, source).then(
      (channel) => {
        this.stalls.stop(attempt);
        this.stats.recordRemote(true);
        // Stale: the client left, or the opener changed and the socket was handed to the new one.
        if (!current() || socket.destroyed) channel.destroy();
        else this.pipeFor(socket, channel);
      },
      (error: unknown) => {
        this.stalls.stop(attempt);
        if (!current()) return;
        this.opening.delete(socket);
        if (isLinkFailure(error)) {
          // Not the forward's fault: hold the client and retry it on the then current connection.
          this.stats.recordError(`waiting for the SSH connection: ${describeError(error)}`);
          this.options.onStall?.(this.spec);
          this.held.hold(socket, LINK_RETRY_MS);
          return;
        }
        this.stats.recordRemote(false, describeError(error));
        this.refused(socket, error);
      },
    );
  }

  /** The channel is open: the socket, paused until now, is joined to it until either side closes. */
  private pipeFor(socket: net.Socket, channel: Duplex): void {
    this.opening.delete(socket);
    this.held.forget(socket);
    this.piped.add(socket);
    socket.resume();
    pipeBoth(socket, channel, { counters: this.stats.counters, onActivity: this.options.onActivity }).then(
      ({ error, leftBehind }) => {
        if (error) this.stats.recordError(describeError(error));
        if (leftBehind > 0) (this.options.onLeftBehind ?? reclaimAfterLeftBehind)(leftBehind);
        this.piped.delete(socket);
        this.stats.pipeEnded();
        this.release(socket);
        // The socket's close may have been released (and reported) already: this time is news too.
        this.options.onActivity?.();
      },
    );
  }

  private refused(socket: net.Socket, error: unknown): void {
    this.stats.counters.failed += 1;
    // `dev server refused 172.18.0.3:31742`, or for a pod forward `pod port-forward to ns/svc:9000 failed`.
    const failure = openFailure(this.spec);
    this.stats.recordError(`${failure}: ${describeError(error)}`);
    this.log('warn', `${failure}; closed the client`, {
      forward: this.spec.id,
      error: describeError(error),
    });
    socket.destroy();
  }

  private dropPiped(): void {
    if (this.piped.size === 0) return;
    this.stats.counters.dropped += this.piped.size;
    this.log('warn', `${this.piped.size} open connection(s) lost with the SSH connection`, {
      forward: this.spec.id,
    });
    const sockets = [...this.piped];
    this.piped.clear();
    for (const socket of sockets) socket.destroy();
    this.options.onActivity?.();
  }

  private release(socket: net.Socket): void {
    this.held.forget(socket);
    this.opening.delete(socket);
    this.piped.delete(socket);
    if (this.sockets.delete(socket)) this.stats.closed();
  }
}
