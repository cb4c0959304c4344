// Sleep/wake and network-change detection: a late timer or a new network fingerprint makes the
// supervisor check the link at once (while forwarding) or skip the rest of a backoff wait.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startWakeWatch } from '../../../src/supervisor/wake-watch.js';
import { expectDeclaredDeadThenBack, FakeConnection, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** What a laptop lid does: the wall clock jumps while no timer runs, then the overdue timer fires. */
async function sleepFor(ms: number): Promise<void> {
  vi.setSystemTime(Date.now() + ms);
  await vi.advanceTimersByTimeAsync(5_000);
  await settle();
}

describe('startWakeWatch', () => {
  it('reports a tick that came far too late as a wake, and a changed fingerprint as a network change', async () => {
    const events: string[] = [];
    let print = 'a';
    const stop = startWakeWatch({
      clock: {
        now: () => Date.now(),
        monotonicNow: () => performance.now(),
        setTimeout,
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
      intervalMs: 5_000,
      fingerprint: () => print,
      onEvent: (cause) => events.push(cause),
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events).toEqual([]);
    await sleepFor(20_000);
    expect(events).toEqual(['wake']);
    print = 'b';
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events).toEqual(['wake', 'network']);
    stop();
    print = 'c';
    await vi.advanceTimersByTimeAsync(20_000);
    expect(events).toHaveLength(2);
  });
});

describe('Supervisor: checks after wake and network change', () => {
  it('after a wake, a link that fails its probe is dropped and reconnected at once', async () => {
    const { supervisor, steps, forwards } = harness();
    const first = new FakeConnection('a');
    first.probe.mockResolvedValue(false);
    steps.push(first, new FakeConnection('b'));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await sleepFor(60_000);
    expect(first.probe).toHaveBeenCalledTimes(1);
    await expectDeclaredDeadThenBack(supervisor, forwards, first, 'after waking from sleep');
    await supervisor.stop();
  });

  it('after a wake, a link that answers its probe is kept', async () => {
    const { supervisor, steps } = harness();
    const first = new FakeConnection('a');
    steps.push(first);
    void supervisor.start();
    await settle();
    await sleepFor(60_000);
    expect(first.probe).toHaveBeenCalledTimes(1);
    expect(first.close).not.toHaveBeenCalled();
    expect(supervisor.snapshot()).toMatchObject({ state: { kind: 'forwarding' }, reconnectCount: 0 });
    await supervisor.stop();
  });

  it('a probe that never answers counts as dead once probeTimeoutMs has passed', async () => {
    const { supervisor, steps } = harness({ probeTimeoutMs: 3_000 });
    const first = new FakeConnection('a');
    first.probe.mockReturnValue(new Promise(() => {}));
    steps.push(first);
    void supervisor.start();
    await settle();
    await sleepFor(60_000);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(supervisor.snapshot().state).toMatchObject({
      kind: 'reconnecting',
      lastError: { message: expect.stringContaining('within 3000 ms') },
    });
    await supervisor.stop();
  });

  it('a network change triggers a probe without any sleep', async () => {
    const { supervisor, steps, world } = harness();
    const first = new FakeConnection('a');
    first.probe.mockResolvedValue(false);
    steps.push(first);
    void supervisor.start();
    await settle();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(first.probe).not.toHaveBeenCalled();
    world.fingerprint = 'en0=192.168.1.20';
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(first.probe).toHaveBeenCalledTimes(1);
    expect(supervisor.snapshot().state).toMatchObject({
      kind: 'reconnecting',
      lastError: { message: expect.stringContaining('after a network change') },
    });
    await supervisor.stop();
  });

  it('a network change during a long backoff wait makes the next attempt happen at once', async () => {
    const { supervisor, steps, world, ports } = harness({
      backoff: { initialDelayMs: 20_000, maxDelayMs: 30_000 },
    });
    steps.push(new Error('network unreachable'), new FakeConnection('a'));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('reconnecting');
    world.fingerprint = 'wlan0=10.1.1.5';
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(ports.connect).toHaveBeenCalledTimes(2);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });
});
