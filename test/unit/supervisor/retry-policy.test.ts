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
/** Refused: nothing listens (sshd down, the host up). */
const unreached = { connectedForMs: undefined, unreached: 'refused' as const };
/** Closed or reset before the server's SSH identification: a TCP proxy with sshd down behind it, or sshd shedding load. */
const closedEarly = { connectedForMs: undefined, unreached: 'closed-before-ident' as const };
/** The login was refused. */
const authFailed = { connectedForMs: undefined, authFailed: true };
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
    // Only an attempt that reached forwarding starts a new minute: another failure in between does not.
    expect(retry.delayAfter(failed, UNREACHED_FAST_RETRY_MS + 1)).toBe(2250);
    expect(retry.delayAfter(unreached, UNREACHED_FAST_RETRY_MS + 2)).toBe(6750);
    retry.delayAfter(served(5_000), UNREACHED_FAST_RETRY_MS + 3);
    expect(retry.delayAfter(unreached, UNREACHED_FAST_RETRY_MS + 4)).toBe(500);
  });

  it('closed before the banner with no connection lost lately is an ordinary failure (sshd shedding load)', () => {
    const retry = policy();
    expect([0, 1, 2].map((t) => retry.delayAfter(closedEarly, t))).toEqual([750, 2250, 6750]);
    // A minute after a loss, too.
    retry.delayAfter(served(5_000), 100_000);
    expect(retry.delayAfter(closedEarly, 100_000 + RECENT_LOSS_WINDOW_MS)).toBe(20_250);
  });

  it('sshd restarted behind a TCP proxy: the loss and every closed-before-banner retry take 0.5 s, not 2 s', () => {
    const retry = policy();
    for (let t = 0; t < 3; t += 1) retry.delayAfter(failed, t); // grown to 6750
    expect(retry.delayAfter(served(5_000), 100_000)).toBe(500);
    const delays = [1, 2, 3, 4].map((i) => retry.delayAfter(closedEarly, 100_000 + i * 500));
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

  it('an auth failure after a loss is never capped at 2 s (fail2ban counts failed logins)', () => {
    const retry = policy();
    expect(retry.delayAfter(served(5_000), 0)).toBe(500);
    expect([1, 2, 3].map((t) => retry.delayAfter(authFailed, t))).toEqual([750, 2250, 6750]);
  });

  it('a sub-second loss sets no 2 s cap: the account locked at login meets the backoff', () => {
    const retry = policy();
    expect(retry.delayAfter(served(300), 0)).toBe(500);
    expect([1, 2, 3].map((t) => retry.delayAfter(failed, t))).toEqual([750, 2250, 6750]);
  });

  it('the bench: sshd killed ~1 s after forwarding, back after 2 s, 15 times: every retry stays quick', () => {
    for (const lost of [unreached, closedEarly]) {
      const retry = policy();
      let t = 0;
      for (let cycle = 0; cycle < 15; cycle += 1) {
        for (const servedMs of [900, 1_100]) {
          t += servedMs;
          expect(retry.delayAfter(served(servedMs), t)).toBe(500);
          for (let i = 0; i < 4; i += 1) {
            t += 500;
            expect(retry.delayAfter(lost, t)).toBe(500);
          }
        }
      }
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

  it('a server that drops us after 1–2 s: 5 quick logins, then the growing backoff (autossh grace_time)', () => {
    const retry = policy();
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => retry.delayAfter(served(1_500), i * 2_000));
    expect(delays).toEqual([500, 500, 500, 500, 500, 750, 2250, 6750]);
    // A loss after 10 s or more of serving ends the run.
    expect(retry.delayAfter(served(10_000), 20_000)).toBe(500);
  });

  it('alternating with one unreached attempt (a round-robin proxy, one backend dead) ends neither limit', () => {
    const retry = policy();
    const delays: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      delays.push(retry.delayAfter(served(200), i * 2_000));
      delays.push(retry.delayAfter(unreached, i * 2_000 + 1_000));
    }
    expect(delays.filter((_, i) => i % 2 === 0)).toEqual([500, 750, 2250, 6750]);
  });

  it('a run of brief losses ends with a loss that served a second or more, or 2 unreached attempts in a row', () => {
    const retry = policy();
    retry.delayAfter(served(200), 0);
    expect(retry.delayAfter(served(200), 1)).toBe(750);
    expect(retry.delayAfter(served(1_000), 2)).toBe(500);
    expect(retry.delayAfter(served(200), 3)).toBe(500);
    expect(retry.delayAfter(unreached, 4)).toBe(500);
    expect(retry.delayAfter(unreached, 5)).toBe(500);
    expect(retry.delayAfter(served(200), 6)).toBe(500);
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
