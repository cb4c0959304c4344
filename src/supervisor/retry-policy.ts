// How long to wait before the next connect, given how the last attempt ended. The growing backoff is for
// failures that may persist; the common outages are short and are retried at once:
//   - losing a connection that reached forwarding (login and discovery done: sshd restarted, the link
//     blinked) is retried quickly, however briefly it served (the bench kills sshd every few seconds, and
//     counting a sub-second serve as a failure grew the backoff over such cycles: once past 60 s);
//   - an attempt that reached nothing that speaks SSH is retried every 0.25–0.5 s for up to a minute: a
//     refused connect (TCP RST: the host is up, nothing listens), or a TCP connect that was accepted and
//     then closed or reset before the server's SSH identification string, which is how a stopped sshd
//     looks behind a TCP proxy or port forward that accepts first (docker's, a load balancer, the
//     bench's +20 ms relay). Either costs one TCP connect; no sshd sees it, its auth log gets no line
//     and no key exchange is computed. Before, the proxied case waited up to 2 s
//     (RECENT_LOSS_MAX_DELAY_MS): recovery at +20 ms took 2.2 s in 2 of 5 trials. Only where tunnel dials
//     the TCP itself: through ProxyCommand/ProxyJump a close before the banner may follow a login to
//     the jump host, so it stays an ordinary failure;
//   - any other failure within a minute of such a loss (a server that answers SSH but fails the login or
//     closes after its banner, sshd still starting) waits at most 2 s; after that minute, the backoff.
// The guards against hammering a server that accepts and drops us: only the first of a run of losses
// that served under a second is quick; the next ones in a row meet the growing backoff (uncapped), so a
// server that logs us in and drops us at once sees 1 quick login, then 0.75 s, 2.25 s, … 30 s between
// logins, as before. The run is broken by a connection that served a second or more, or by an attempt that
// reached nothing (the server really went away in between: a restart, not a drop). A server that closes
// after its banner or fails the login is never "unreached": it meets the backoff (capped at 2 s only
// for the minute after a real loss). The fast retry of unreached attempts stops after a minute. A
// connection that held for stableAfterMs (60 s) resets the backoff. Pure: the clock is passed in.
import type { Backoff } from './backoff.js';

/** A connection that served at least this long ends a run of brief ones. */
export const QUICK_RETRY_AFTER_SERVED_MS = 1_000;
/** Attempts that reached nothing that speaks SSH are retried every 0.25–0.5 s for this long. */
export const UNREACHED_FAST_RETRY_MS = 60_000;
/** For this long after losing a connection that served, no delay exceeds RECENT_LOSS_MAX_DELAY_MS. */
export const RECENT_LOSS_WINDOW_MS = 60_000;
export const RECENT_LOSS_MAX_DELAY_MS = 2_000;
/** Losses in a row that each served under QUICK_RETRY_AFTER_SERVED_MS and still get a quick retry. */
export const QUICK_BRIEF_LOSSES = 1;
/** A connection that lasted this long resets the backoff (by default). */
export const DEFAULT_STABLE_AFTER_MS = 60_000;

export interface AttemptEnd {
  /** How long the connection served; undefined when it never got to forwarding. */
  connectedForMs: number | undefined;
  /** Nothing that speaks SSH answered: refused, or closed/reset before the server's identification. */
  unreached?: boolean;
}

export class RetryPolicy {
  private unreachedSince: number | undefined;
  private lostServedAt: number | undefined;
  /** Losses in a row that served under a second (see the header). */
  private briefLosses = 0;

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
    this.unreachedSince = end.unreached ? (this.unreachedSince ?? now) : undefined;
    if (end.unreached) this.briefLosses = 0;
    if (end.connectedForMs !== undefined) return this.afterServing(end.connectedForMs, now);
    if (this.unreachedSince !== undefined && now - this.unreachedSince < UNREACHED_FAST_RETRY_MS)
      return this.backoff.nextQuick();
    const delay = this.backoff.next();
    const recentLoss = this.lostServedAt !== undefined && now - this.lostServedAt < RECENT_LOSS_WINDOW_MS;
    return recentLoss ? Math.min(delay, RECENT_LOSS_MAX_DELAY_MS) : delay;
  }

  private afterServing(servedMs: number, now: number): number {
    this.briefLosses = servedMs < QUICK_RETRY_AFTER_SERVED_MS ? this.briefLosses + 1 : 0;
    if (this.briefLosses > QUICK_BRIEF_LOSSES) {
      // Logged in and dropped again at once: no quick retry, and no 2 s cap on what follows.
      this.lostServedAt = undefined;
      return this.backoff.next();
    }
    this.lostServedAt = now;
    return this.backoff.nextQuick();
  }
}
