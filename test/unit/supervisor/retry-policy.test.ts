import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../src/supervisor/backoff.js';
import {
  RECENT_LOSS_MAX_DELAY_MS,
  RECENT_LOSS_WINDOW_MS,
  REFUSED_FAST_RETRY_MS,
  RetryPolicy,
} from '../../../src/supervisor/retry-policy.js';

const failed = { connectedForMs: undefined };
const refused = { connectedForMs: undefined, refused: true };

/** Backoff at the top of every jitter range: 750, 2250, 6750, … and quick delays of 500. */
const policy = () => new RetryPolicy(new Backoff({ random: () => 0.999999 }));

describe('RetryPolicy', () => {
  it('failures that were never connected grow the backoff', () => {
    const retry = policy();
    expect([0, 1, 2].map((t) => retry.delayAfter(failed, t))).toEqual([750, 2250, 6750]);
  });

  it('refusals are retried within 0.5 s for a minute, then back off', () => {
    const retry = policy();
    expect(retry.delayAfter(refused, 0)).toBe(500);
    expect(retry.delayAfter(refused, REFUSED_FAST_RETRY_MS - 1)).toBe(500);
    expect(retry.delayAfter(refused, REFUSED_FAST_RETRY_MS)).toBe(750);
    // Another kind of failure ends the run of refusals; a new refusal starts a new minute.
    expect(retry.delayAfter(failed, REFUSED_FAST_RETRY_MS + 1)).toBe(2250);
    expect(retry.delayAfter(refused, REFUSED_FAST_RETRY_MS + 2)).toBe(500);
  });

  it('losing a connection that served: a quick retry, then at most 2 s for a minute, then the backoff', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.delayAfter({ connectedForMs: 5_000 }, 100_000)).toBe(500);
    expect(retry.delayAfter(failed, 100_500)).toBe(RECENT_LOSS_MAX_DELAY_MS);
    expect(retry.delayAfter(failed, 100_000 + RECENT_LOSS_WINDOW_MS - 1)).toBe(RECENT_LOSS_MAX_DELAY_MS);
    expect(retry.delayAfter(failed, 100_000 + RECENT_LOSS_WINDOW_MS)).toBe(30_000);
  });

  it('a connection dropped within a second of login is just a failure', () => {
    const retry = policy();
    expect(retry.delayAfter({ connectedForMs: 999 }, 0)).toBe(750);
    expect(retry.delayAfter({ connectedForMs: 999 }, 1)).toBe(2250);
  });

  it('a connection that held for a minute resets the backoff; the attempt count starts again', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.attempt).toBe(3);
    expect(retry.delayAfter({ connectedForMs: 60_000 }, 100_000)).toBe(500);
    expect(retry.attempt).toBe(1);
    expect(retry.delayAfter(failed, 200_000)).toBe(750);
  });
});
