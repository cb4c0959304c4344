// How long to wait before the next connect, given how the last attempt ended. The growing backoff is for
// failures that may persist; the common outages are short and are retried at once. The rules:
//   1. A loss after reaching forwarding (login and discovery done: sshd restarted, the link blinked) is
//      retried quickly (0.25–0.5 s), unless it ends a run of losses that each served too briefly:
//      the 2nd sub-second loss in a row (BRIEF_LOSS_MS), or the 6th loss in a row that served under
//      10 s (SHORT_LOSS_MS, QUICK_SHORT_LOSSES: autossh's grace_time) meets the growing backoff.
//      Such a run ends with a loss that served longer, or with UNREACHED_ENDS_RUN unreached attempts
//      in a row (the server really went away in between: a restart, not a drop). Only an attempt
//      that reached forwarding ends the unreached minute (rule 2), so alternating outcomes (a
//      round-robin proxy with one dead backend) cannot restart either limit.
//   2. An attempt that reached nothing that speaks SSH is retried every 0.25–0.5 s for a minute from
//      the first of them: a refused connect, always; a connect closed or reset before the server's
//      SSH identification (ssh/connect-errors.ts NO_SSH_IDENT) only within RECENT_LOSS_WINDOW_MS of a
//      quickly retried loss (sshd restarting behind a TCP proxy). Elsewhere such a close is an
//      ordinary failure (3): sshd itself drops connections so when it sheds load (MaxStartups,
//      PerSourcePenalties, tcp-wrappers), and those must not be hammered.
//   3. Any other failure meets the backoff, capped at RECENT_LOSS_MAX_DELAY_MS within
//      RECENT_LOSS_WINDOW_MS of a quickly retried loss that served BRIEF_LOSS_MS or more (sshd still
//      starting, a login racing its restart); an auth failure (SSH_AUTH) is never capped, as fail2ban
//      and sshd's penalties count failed logins.
//   4. A connection that held for stableAfterMs (60 s) resets the backoff.
// Why each number: docs/performance.md item 7. Pure: the clock is passed in.
import type { Backoff, Unreached } from './backoff.js';

/** A loss after serving under this long is "brief": only QUICK_BRIEF_LOSSES in a row are quick. */
export const BRIEF_LOSS_MS = 1_000;
export const QUICK_BRIEF_LOSSES = 1;
/** A loss after serving under this long is "short": only QUICK_SHORT_LOSSES in a row are quick. */
export const SHORT_LOSS_MS = 10_000;
export const QUICK_SHORT_LOSSES = 5;
/** This many unreached attempts in a row end a run of brief or short losses. */
export const UNREACHED_ENDS_RUN = 2;
/** Attempts that reached nothing that speaks SSH are retried every 0.25–0.5 s for this long. */
export const UNREACHED_FAST_RETRY_MS = 60_000;
/** For this long after a quickly retried loss, no delay (but an auth failure's) exceeds the cap. */
export const RECENT_LOSS_WINDOW_MS = 60_000;
export const RECENT_LOSS_MAX_DELAY_MS = 2_000;
/** A connection that lasted this long resets the backoff (by default). */
export const DEFAULT_STABLE_AFTER_MS = 60_000;

export interface AttemptEnd {
  /** How long the connection served; undefined when it never got to forwarding. */
  connectedForMs: number | undefined;
  /** Nothing that speaks SSH answered: refused, or closed/reset before the server's identification. */
  unreached?: Unreached;
  /** The login was refused (SSH_AUTH): never capped at RECENT_LOSS_MAX_DELAY_MS. */
  authFailed?: boolean;
}

export class RetryPolicy {
  private unreachedSince: number | undefined;
  private unreachedInRow = 0;
  /** When the last quickly retried loss happened (rule 2), and the last one that served ≥ 1 s (rule 3). */
  private lostAt: number | undefined;
  private lostServedAt: number | undefined;
  private briefLosses = 0;
  private shortLosses = 0;

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
    if (end.connectedForMs !== undefined) return this.afterServing(end.connectedForMs, now);
    const unreached =
      end.unreached === 'refused' || (end.unreached === 'closed-before-ident' && within(this.lostAt, now));
    this.unreachedInRow = unreached ? this.unreachedInRow + 1 : 0;
    if (this.unreachedInRow >= UNREACHED_ENDS_RUN) this.briefLosses = this.shortLosses = 0;
    if (unreached) this.unreachedSince ??= now;
    if (unreached && now - (this.unreachedSince ?? now) < UNREACHED_FAST_RETRY_MS)
      return this.backoff.nextQuick();
    const delay = this.backoff.next();
    const capped = !end.authFailed && within(this.lostServedAt, now);
    return capped ? Math.min(delay, RECENT_LOSS_MAX_DELAY_MS) : delay;
  }

  private afterServing(servedMs: number, now: number): number {
    this.unreachedSince = undefined;
    this.unreachedInRow = 0;
    this.briefLosses = servedMs < BRIEF_LOSS_MS ? this.briefLosses + 1 : 0;
    this.shortLosses = servedMs < SHORT_LOSS_MS ? this.shortLosses + 1 : 0;
    if (this.briefLosses > QUICK_BRIEF_LOSSES || this.shortLosses > QUICK_SHORT_LOSSES) {
      // Logged in and dropped again too soon, too often: no quick retry, and no cap on what follows.
      this.lostAt = this.lostServedAt = undefined;
      return this.backoff.next();
    }
    this.lostAt = now;
    if (servedMs >= BRIEF_LOSS_MS) this.lostServedAt = now;
    return this.backoff.nextQuick();
  }
}

function within(since: number | undefined, now: number): boolean {
  return since !== undefined && now - since < RECENT_LOSS_WINDOW_MS;
}
