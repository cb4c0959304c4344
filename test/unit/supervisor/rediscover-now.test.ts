// rediscoverNow: `tunnel cluster create --connect` / `cluster delete` make a session re-read k3d at once.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cluster, FakeConnection, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor.rediscoverNow', () => {
  it('while forwarding: re-reads k3d now and applies a new cluster, long before the interval', async () => {
    const { supervisor, steps, world, ports } = harness({ rediscoverIntervalMs: 3_600_000 });
    steps.push(new FakeConnection('a'));
    void supervisor.start();
    await settle();
    world.clusters.push(cluster('shop'));
    const refreshed = supervisor.rediscoverNow();
    await settle();
    expect(await refreshed).toBe(true);
    expect(supervisor.snapshot().forwards.map((forward) => forward.spec.cluster)).toEqual(['dev', 'shop']);
    expect(ports.applyKubeconfig).toHaveBeenLastCalledWith(
      expect.objectContaining({ trigger: 'rediscover' }),
    );
    await supervisor.stop();
  });

  it('never runs two re-discoveries at once (the timer and a request)', async () => {
    const { supervisor, steps, ports } = harness({ rediscoverIntervalMs: 1_000 });
    steps.push(new FakeConnection('a'));
    let running = 0;
    let most = 0;
    const original = ports.discover;
    ports.discover = async (connection, signal) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 500));
      running -= 1;
      return original(connection, signal);
    };
    void supervisor.start();
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    const now = supervisor.rediscoverNow();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await now).toBe(true);
    expect(most).toBe(1);
    await supervisor.stop();
  });

  it('while reconnecting: answers false and starts the next attempt now instead of after the backoff', async () => {
    const { supervisor, steps, ports } = harness();
    steps.push(new Error('connect ECONNREFUSED'), new FakeConnection('b'));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('reconnecting');
    expect(await supervisor.rediscoverNow()).toBe(false);
    await settle();
    expect(ports.connect).toHaveBeenCalledTimes(2);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });
});
