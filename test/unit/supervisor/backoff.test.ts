import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { NO_SSH_IDENT } from '../../../src/ssh/connect-errors.js';
import { Backoff, nothingAnswered } from '../../../src/supervisor/backoff.js';

/** A random() that replays `values` in a loop. */
function sequence(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

describe('Backoff (decorrelated jitter)', () => {
  it('never goes below the initial delay, even when random() keeps returning 0 (no hot loop)', () => {
    const backoff = new Backoff({ random: () => 0 });
    expect(Array.from({ length: 5 }, () => backoff.next())).toEqual([250, 250, 250, 250, 250]);
  });

  it('grows by at most 3x per attempt and stops at the 30 s cap', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    const delays = Array.from({ length: 8 }, () => backoff.next());
    expect(delays).toEqual([750, 2250, 6750, 20250, 30000, 30000, 30000, 30000]);
  });

  it('is deterministic for a given random() and stays within [initial, 3 x previous]', () => {
    const run = () => {
      const backoff = new Backoff({ random: sequence(0.5, 0.1, 0.9, 0.3) });
      return Array.from({ length: 12 }, () => backoff.next());
    };
    const delays = run();
    expect(run()).toEqual(delays);
    let previous = 250;
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(250);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, previous * 3));
      previous = delay;
    }
  });

  it('counts attempts and starts over after reset()', () => {
    const backoff = new Backoff({ random: () => 0.999999 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.attempt).toBe(3);
    backoff.reset();
    expect(backoff.attempt).toBe(0);
    expect(backoff.next()).toBe(750);
  });

  it('honours custom bounds', () => {
    const backoff = new Backoff({ initialDelayMs: 100, maxDelayMs: 500, random: () => 0.999999 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([300, 500, 500]);
  });
});

describe('Backoff.nextQuick and nothingAnswered', () => {
  it('quick delays stay within 1–2 × the initial delay and do not grow the backoff', () => {
    const backoff = new Backoff({ random: sequence(0, 0.5, 0.999999) });
    expect([backoff.nextQuick(), backoff.nextQuick(), backoff.nextQuick()]).toEqual([250, 375, 500]);
    expect(backoff.attempt).toBe(3);
    // The exponential part starts where it was: from the initial delay.
    expect(backoff.next()).toBe(250);
  });

  it('finds ECONNREFUSED in the cause chain by code, never by message text', () => {
    const socketError = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:22'), {
      code: 'ECONNREFUSED',
    });
    const wrapped = new TunnelError('SSH_CONNECT', 'Cannot connect to dev: connection refused', {
      cause: socketError,
    });
    expect(nothingAnswered(socketError)).toBe('refused');
    expect(nothingAnswered(wrapped)).toBe('refused');
    expect(nothingAnswered(new Error('connect ECONNREFUSED 10.0.0.1:22'))).toBeUndefined();
    expect(nothingAnswered(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))).toBeUndefined();
    expect(nothingAnswered(undefined)).toBeUndefined();
    const loop: { code?: string; cause?: unknown } = {};
    loop.cause = loop;
    expect(nothingAnswered(loop)).toBeUndefined();
  });

  it("finds the ssh layer's closed-before-identification code the same way (it is repeated there)", () => {
    const marker = Object.assign(new Error('closed before the SSH identification string'), {
      code: NO_SSH_IDENT,
    });
    const wrapped = new TunnelError('SSH_CONNECT', 'Cannot connect to dev: closed', { cause: marker });
    expect(nothingAnswered(wrapped)).toBe('closed-before-ident');
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(nothingAnswered(new TunnelError('SSH_CONNECT', 'reset', { cause: reset }))).toBeUndefined();
  });
});
