// The retry policy on a fake clock (`now` is passed in): each way an attempt can end, and the delay a
// user waits before the tunnel tries again.
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/supervisor/backoff.js';
import {
  RECENT_LOSS_MAX_DELAY_MS,
  RECENT_LOSS_WINDOW_MS,
  RetryPolicy,
  UNREACHED_FAST_RETRY_MS,
} from '../../../src/supervisor/retry-policy.js';

/** Reached SSH but failed before forwarding: an auth failure, a close after the banner, a timeout. */
const failed = { connectedForMs: undefined };
/** Refused, or closed before the banner through a TCP proxy: the supervisor cannot tell them apart. */
const unreached = { connectedForMs: undefined, unreached: true };
const served = (ms: number) => ({ connectedForMs: ms });

/** Backoff at the top of every jitter range: 750, 2250, 6750, … and quick delays of 500. */
const policy = () => new RetryPolicy(new Backoff({ random: () => 0.999999 }));

describe('RetryPolicy', () => {
  it('failures that reached SSH but never forwarding grow the backoff (an auth failure)', () => {
    const retry = policy();
    expect([0, 1, 2].map((t) => retry.delayAfter(failed, t))).toEqual([750, 2250, 6750]);
  });

  it('attempts that reached nothing speaking SSH are retried within 0.5 s for a minute, then back off', () => {
    const retry = policy();
    expect(retry.delayAfter(unreached, 0)).toBe(500);
    expect(retry.delayAfter(unreached, UNREACHED_FAST_RETRY_MS - 1)).toBe(500);
    expect(retry.delayAfter(unreached, UNREACHED_FAST_RETRY_MS)).toBe(750);
    // Another kind of failure ends the run; a new unreached attempt starts a new minute.
    expect(retry.delayAfter(failed, UNREACHED_FAST_RETRY_MS + 1)).toBe(2250);
    expect(retry.delayAfter(unreached, UNREACHED_FAST_RETRY_MS + 2)).toBe(500);
  });

  it('sshd restarted behind a TCP proxy: the loss and every closed-before-banner retry take 0.5 s, not 2 s', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.delayAfter(served(5_000), 100_000)).toBe(500);
    const delays = [1, 2, 3, 4].map((i) => retry.delayAfter(unreached, 100_000 + i * 500));
    expect(delays).toEqual([500, 500, 500, 500]);
  });

  it('losing a connection that served: a quick retry, then at most 2 s for a minute, then the backoff', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.delayAfter(served(5_000), 100_000)).toBe(500);
    expect(retry.delayAfter(failed, 100_500)).toBe(RECENT_LOSS_MAX_DELAY_MS);
    expect(retry.delayAfter(failed, 100_000 + RECENT_LOSS_WINDOW_MS - 1)).toBe(RECENT_LOSS_MAX_DELAY_MS);
    expect(retry.delayAfter(failed, 100_000 + RECENT_LOSS_WINDOW_MS)).toBe(30_000);
  });

  it('a connection that reached forwarding and served briefly is retried quickly, cycle after cycle', () => {
    const retry = policy();
    // sshd killed every few seconds, each time shortly after we were back: loss, outage, back, loss…
    for (let cycle = 0; cycle < 15; cycle += 1) {
      const t = cycle * 5_000;
      expect(retry.delayAfter(served(300), t)).toBe(500);
      expect(retry.delayAfter(unreached, t + 500)).toBe(500);
      expect(retry.delayAfter(unreached, t + 1_000)).toBe(500);
    }
  });

  it('a server that logs us in and drops us at once, again and again, meets the growing backoff', () => {
    const retry = policy();
    const delays = [0, 1, 2, 3, 4].map((i) => retry.delayAfter(served(200), i * 1_000));
    // One quick retry, then the backoff, not capped at 2 s by that first loss.
    expect(delays).toEqual([500, 750, 2250, 6750, 20_250]);
    // A failed login in between does not end the run.
    expect(retry.delayAfter(failed, 10_000)).toBe(30_000);
    expect(retry.delayAfter(served(200), 40_000)).toBe(30_000);
  });

  it('a run of brief losses ends with a connection that served a second or more', () => {
    const retry = policy();
    retry.delayAfter(served(200), 0);
    expect(retry.delayAfter(served(200), 1)).toBe(750);
    expect(retry.delayAfter(served(1_000), 2)).toBe(500);
    expect(retry.delayAfter(served(200), 3)).toBe(500);
  });

  it('a connection that held for a minute resets the backoff; the attempt count starts again', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.attempt).toBe(3);
    expect(retry.delayAfter(served(60_000), 100_000)).toBe(500);
    expect(retry.attempt).toBe(1);
    expect(retry.delayAfter(failed, 200_000)).toBe(750);
  });
});
