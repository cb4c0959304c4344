// How long to wait before the next connect, given how the last attempt ended. The growing backoff is for
// failures that may persist; the common outages are short and are retried at once:
//   - the first retry after losing a connection that served (sshd restarted, the link blinked) is quick;
//   - refused connects are retried quickly for up to a minute: a refusal (TCP RST: the host is up,
//     nothing listens) is an sshd restarting or a server booting; it costs one SYN, reaches no sshd and
//     leaves no line in its auth log;
//   - any other failure within a minute of such a loss (a proxy or jump host that accepts and then
//     closes because sshd behind it is still down) waits at most 2 s; after that minute, the backoff.
// A connection dropped within a second of login counts as a failed attempt, so a server that accepts
// and drops us at once still meets the growing backoff; one that held for stableAfterMs (60 s) resets
// it. Pure: the clock is passed in.
import type { Backoff } from './backoff.js';

/** A connection that served at least this long is retried quickly once it is lost. */
export const QUICK_RETRY_AFTER_SERVED_MS = 1_000;
/** Refusals are retried every 0.25–0.5 s for this long. */
export const REFUSED_FAST_RETRY_MS = 60_000;
/** For this long after losing a connection that served, no delay exceeds RECENT_LOSS_MAX_DELAY_MS. */
export const RECENT_LOSS_WINDOW_MS = 60_000;
export const RECENT_LOSS_MAX_DELAY_MS = 2_000;
/** A connection that lasted this long resets the backoff (by default). */
export const DEFAULT_STABLE_AFTER_MS = 60_000;

export interface AttemptEnd {
  /** How long the connection served; undefined when it never got to forwarding. */
  connectedForMs: number | undefined;
  /** The connect itself was refused. */
  refused?: boolean;
}

export class RetryPolicy {
  private refusedSince: number | undefined;
  private lostServedAt: number | undefined;

  constructor(
    private readonly backoff: Backoff,
    private readonly stableAfterMs = DEFAULT_STABLE_AFTER_MS,
  ) {}

  /** Delays handed out since the backoff was last reset (for "attempt N" in the session state). */
  get attempt(): number {
    return this.backoff.attempt;
  }

  /** The delay before the next attempt; `now` is when the last one ended. */
  delayAfter(end: AttemptEnd, now: number): number {
    // A connection that held for a while says the last failures are over: start short again.
    if ((end.connectedForMs ?? 0) >= this.stableAfterMs) this.backoff.reset();
    const served = (end.connectedForMs ?? 0) >= QUICK_RETRY_AFTER_SERVED_MS;
    if (served) this.lostServedAt = now;
    this.refusedSince = end.refused ? (this.refusedSince ?? now) : undefined;
    if (served) return this.backoff.nextQuick();
    if (this.refusedSince !== undefined && now - this.refusedSince < REFUSED_FAST_RETRY_MS)
      return this.backoff.nextQuick();
    const delay = this.backoff.next();
    const recentLoss = this.lostServedAt !== undefined && now - this.lostServedAt < RECENT_LOSS_WINDOW_MS;
    return recentLoss ? Math.min(delay, RECENT_LOSS_MAX_DELAY_MS) : delay;
  }
}
