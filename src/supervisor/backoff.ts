// Reconnect delays: jittered exponential backoff, about 0.25 s growing to a 30 s cap. Pure: no timers,
// no clock; randomness is injected so tests are deterministic. The supervisor decides when to wait
// and when a connection has been stable long enough to reset().
//
// Decorrelated jitter (delay = min(cap, uniform(initial, previous * 3))), not full jitter: full jitter
// draws from [0, ceiling] and can return ~0 several times running, a hot reconnect loop against a
// server that refuses us; decorrelated never goes below the initial delay, still spreads the many
// sessions that all lose their link at the same moment (sleep, Wi-Fi switch), and grows about as fast.

export interface BackoffOptions {
  /** Smallest delay and the scale of the first few; default 250 ms. */
  initialDelayMs?: number;
  /** No delay exceeds this; default 30 s. */
  maxDelayMs?: number;
  /** Returns a number in [0, 1); default Math.random. */
  random?: () => number;
}

export const DEFAULT_INITIAL_DELAY_MS = 250;
export const DEFAULT_MAX_DELAY_MS = 30_000;

// How an attempt reached nothing that speaks SSH: a refused connect (Node's code), or a connection closed
// or reset before the server's identification string (ssh/connect-errors.ts NO_SSH_IDENT; the supervisor
// does not import the ssh layer, so the string is repeated here and a test ties the two together).
export type Unreached = 'refused' | 'closed-before-ident';
const UNREACHED_CODES: Record<string, Unreached> = {
  ECONNREFUSED: 'refused',
  ENOSSHIDENT: 'closed-before-ident',
};

/** Such a code anywhere in the error's cause chain (TunnelError wraps ssh2's socket error). */
export function nothingAnswered(error: unknown): Unreached | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && Object.hasOwn(UNREACHED_CODES, code)) return UNREACHED_CODES[code];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export class Backoff {
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;
  private previousDelayMs: number;
  private attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? DEFAULT_INITIAL_DELAY_MS;
    this.maxDelayMs = Math.max(options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS, this.initialDelayMs);
    this.random = options.random ?? Math.random;
    this.previousDelayMs = this.initialDelayMs;
  }

  /** Delays handed out since the last reset (the number of the attempt the next delay precedes, minus one). */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt, in whole milliseconds. */
  next(): number {
    const upper = Math.min(this.maxDelayMs, this.previousDelayMs * 3);
    const delay = this.initialDelayMs + this.random() * (upper - this.initialDelayMs);
    this.previousDelayMs = Math.min(this.maxDelayMs, Math.round(delay));
    this.attempts += 1;
    return this.previousDelayMs;
  }

  /** A delay of 1–2 × the initial one that does not grow the backoff (retry-policy.ts: a quick retry). */
  nextQuick(): number {
    this.attempts += 1;
    return Math.round(this.initialDelayMs * (1 + this.random()));
  }

  /** Back to the first, short delays: called once a connection has proved stable. */
  reset(): void {
    this.previousDelayMs = this.initialDelayMs;
    this.attempts = 0;
  }
}
