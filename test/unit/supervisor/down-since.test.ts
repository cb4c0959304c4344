// "down for" in `tunnel status` counts from when the link was lost, across every reconnect attempt:
// each attempt re-enters connecting and reconnecting, and must not restart the count.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeConnection, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const LOST_AT = '2026-01-01T00:00:10.000Z';

describe('Supervisor: downSince', () => {
  it('stays at the moment the link was lost through 95 s of failed attempts, and clears on recovery', async () => {
    const { supervisor, steps } = harness({ backoff: { random: () => 0.5 } });
    const first = new FakeConnection('a');
    steps.push(first);
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().downSince).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    for (let i = 0; i < 200; i += 1) steps.push(new Error('connect ETIMEDOUT'));
    first.end({ kind: 'keepalive', message: 'no answer to 3 keepalives' });
    await settle();
    const seen = new Set<string | undefined>();
    for (let second = 0; second < 95; second += 1) {
      await vi.advanceTimersByTimeAsync(1_000);
      await settle();
      const snapshot = supervisor.snapshot();
      expect(['connecting', 'reconnecting']).toContain(snapshot.state.kind);
      seen.add(snapshot.downSince);
    }
    // Several attempts ran (each re-entered its states), yet one moment of loss throughout.
    expect((supervisor.snapshot().state as { attempt: number }).attempt).toBeGreaterThan(5);
    expect([...seen]).toEqual([LOST_AT]);
    expect(Date.now() - Date.parse(supervisor.snapshot().downSince ?? '')).toBe(95_000);
    steps.length = 0;
    steps.push(new FakeConnection('b'));
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(supervisor.snapshot()).toMatchObject({ state: { kind: 'forwarding' }, downSince: undefined });
    await supervisor.stop();
  });

  it('a session that never connected is down since it started', async () => {
    const { supervisor, steps } = harness();
    steps.push(new Error('connect ECONNREFUSED'), new Error('connect ECONNREFUSED'));
    void supervisor.start();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect((supervisor.snapshot().state as { attempt: number }).attempt).toBeGreaterThan(1);
    expect(supervisor.snapshot().downSince).toBe('2026-01-01T00:00:00.000Z');
    await supervisor.stop();
  });
});
