// How a Supervisor is tuned (timers, backoff) and who hears its state changes, and the defaults of
// those timings (in one place, not spread through the loop).
import { DEFAULT_REDISCOVER_INTERVAL_MS } from '../config/defaults.js';
import type { BackoffOptions } from './backoff.js';
import type { SessionSnapshot } from './state.js';

export interface SupervisorOptions {
  /** Re-read k3d's clusters this often while forwarding; default DEFAULT_REDISCOVER_INTERVAL_MS (config/defaults.ts). */
  rediscoverIntervalMs?: number;
  /** A connection that lasted this long resets the backoff; default 60 s (DEFAULT_STABLE_AFTER_MS). */
  stableAfterMs?: number;
  /**
   * How long a link check waits for the server's answer before the link is declared dead; default 5 s.
   * The wait starts again while data arrives (a busy link is alive), up to probeMaxWaitMs.
   */
  probeTimeoutMs?: number;
  /** The longest one link check may wait however much data arrives; default 60 s. */
  probeMaxWaitMs?: number;
  /** Tick of the sleep/wake and network-change watch; default 5 s. */
  wakeCheckIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Called after every state change (status --watch, the control server). */
  onChange?: (snapshot: SessionSnapshot) => void;
}

/** The link check's timings: one answer's wait, and the longest wait (never below one answer's). */
export function linkCheckTimings(options: SupervisorOptions): { timeoutMs: number; maxWaitMs: number } {
  const timeoutMs = options.probeTimeoutMs ?? 5_000;
  return { timeoutMs, maxWaitMs: Math.max(timeoutMs, options.probeMaxWaitMs ?? 60_000) };
}

export function rediscoverIntervalMs(options: SupervisorOptions): number {
  return options.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_INTERVAL_MS;
}
