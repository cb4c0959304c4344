// The clients a listener holds: accepted while no channel can be opened (the session is down, or the link
// failed under them), each paused and unread until a retry or its hold timeout. The timeout counts from
// acceptance, so a client that first waited on a link that turned out dead has used part of its patience.
import type net from 'node:net';
import type { ForwardStats } from './types.js';

export interface HeldEvents {
  /** A retry is due: serve the client now (or hold it again). */
  retry(socket: net.Socket): void;
  /** Its hold timeout ran out: the listener closes it and says so. */
  timedOut(socket: net.Socket): void;
}

export class HeldClients {
  private readonly timers = new Map<net.Socket, NodeJS.Timeout>();
  /** When each client's hold timeout runs out (from its acceptance; forgotten once it is piped). */
  private readonly deadlines = new Map<net.Socket, number>();

  constructor(
    private readonly holdTimeoutMs: number,
    private readonly stats: Pick<ForwardStats, 'held'>,
    private readonly events: HeldEvents,
  ) {}

  accepted(socket: net.Socket): void {
    this.deadlines.set(socket, Date.now() + this.holdTimeoutMs);
  }

  /** Holds until the deadline; with retryAfterMs (the link failed under it), retries sooner if there is time. */
  hold(socket: net.Socket, retryAfterMs?: number): void {
    this.stats.held += 1;
    const deadline = this.deadlines.get(socket) ?? Date.now() + this.holdTimeoutMs;
    this.deadlines.set(socket, deadline);
    const remaining = Math.max(0, deadline - Date.now());
    const retry = retryAfterMs !== undefined && retryAfterMs < remaining;
    const timer = setTimeout(
      () => {
        this.release(socket);
        if (retry) this.events.retry(socket);
        else this.events.timedOut(socket);
      },
      retry ? retryAfterMs : remaining,
    );
    this.timers.set(socket, timer);
  }

  /** Stops holding (the client is served, or gone); its deadline stays for a later hold. */
  release(socket: net.Socket): void {
    const timer = this.timers.get(socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(socket);
    this.stats.held -= 1;
  }

  /** The client got a channel or closed: no deadline any more. */
  forget(socket: net.Socket): void {
    this.release(socket);
    this.deadlines.delete(socket);
  }

  /** Every held client, released (to be served or held again by the caller). */
  releaseAll(): net.Socket[] {
    const sockets = [...this.timers.keys()];
    for (const socket of sockets) this.release(socket);
    return sockets;
  }

  clearTimers(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
  }
}
