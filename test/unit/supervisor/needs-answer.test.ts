// A reconnect whose login needs a person (a one-time code after a network drop) must not be retried on
// a timer: every try is a failed login, and enough of them lock the account. The session waits in
// needs-answer, listeners bound, until retryNow() (a `tunnel connect` bringing the answer) or a stop.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { FakeConnection, forwardingOn, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const needsAnswer = () =>
  new TunnelError(
    'SSH_NEEDS_ANSWER',
    'the login needs an answer (Verification code) and nobody can give one',
    {
      hint: 'Run `tunnel connect devbox` to answer it.',
    },
  );

describe('needs-answer', () => {
  it('a reconnect that needs an answer stops retrying: no further attempt, however long we wait', async () => {
    const first = new FakeConnection('a');
    const { supervisor, steps, ports, forwards, logs, world } = await forwardingOn(first);
    steps.length = 0;
    steps.push(needsAnswer(), needsAnswer(), needsAnswer());
    first.end({ kind: 'keepalive', message: 'no answer to keepalives' });
    // The loss itself is retried as ever (after its backoff); that attempt meets the question.
    await vi.advanceTimersByTimeAsync(60_000);
    const snapshot = supervisor.snapshot();
    expect(snapshot.state).toMatchObject({ kind: 'needs-answer', lastError: { code: 'SSH_NEEDS_ANSWER' } });
    expect(snapshot.downSince).toBeDefined();
    const attempts = vi.mocked(ports.connect).mock.calls.length;
    // A day of wakes, network changes and backoff timers: nothing tries the login again.
    world.fingerprint = 'en0=192.168.1.7';
    await vi.advanceTimersByTimeAsync(24 * 3600_000);
    supervisor.checkLink('a held connection stalled');
    expect(await supervisor.rediscoverNow()).toBe(false);
    await settle();
    expect(vi.mocked(ports.connect).mock.calls.length).toBe(attempts);
    expect(supervisor.snapshot().state.kind).toBe('needs-answer');
    // Listeners stay bound (held clients are refused after the hold timeout, as while down).
    expect(forwards.live.size).toBe(1);
    expect(forwards.opener).toBeUndefined();
    // The log says so once.
    expect(logs.filter((line) => line.includes('waiting for you'))).toHaveLength(1);
    await supervisor.stop();
  });

  it('retryNow tries again at once and recovers; forwards were never stopped', async () => {
    const first = new FakeConnection('a');
    const { supervisor, steps, forwards } = await forwardingOn(first);
    steps.length = 0;
    steps.push(needsAnswer(), new FakeConnection('answered'));
    first.end({ kind: 'remote', message: 'closed by the server' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(supervisor.snapshot().state.kind).toBe('needs-answer');
    expect(supervisor.retryNow()).toBe(true);
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    expect(forwards.starts.get([...forwards.live.keys()][0] ?? '')).toBe(1);
    expect(supervisor.snapshot().reconnectCount).toBe(1);
    await supervisor.stop();
  });

  it('retryNow does nothing in another state', async () => {
    const { supervisor, steps, ports } = harness();
    steps.push(new Error('connect ECONNREFUSED'));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('reconnecting');
    expect(supervisor.retryNow()).toBe(false);
    await settle();
    expect(vi.mocked(ports.connect).mock.calls.length).toBe(1);
    await supervisor.stop();
  });

  it('a stop while waiting for an answer ends the session in order', async () => {
    const { supervisor, steps, events } = harness();
    steps.push(needsAnswer());
    const running = supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('needs-answer');
    await supervisor.stop();
    await running;
    expect(supervisor.snapshot().state.kind).toBe('stopped');
    expect(events).toContain('listeners stopped');
  });
});
