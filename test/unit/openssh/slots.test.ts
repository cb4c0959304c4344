// At most MAX_EXECS_IN_FLIGHT commands through one master (sshd's MaxSessions is 10); the rest wait in
// order, and a waiting command can be cancelled.
import { describe, expect, it } from 'vitest';
import { Limiter as Slots } from '../../../src/ssh/exec-limits.js';

describe('Slots', () => {
  it('runs at most max tasks at once, the rest in order; a waiter cancelled leaves its place', async () => {
    const slots = new Slots(2);
    const releases: Array<() => void> = [];
    const started: number[] = [];
    const task = (id: number) => () =>
      new Promise<number>((resolve) => {
        started.push(id);
        releases.push(() => resolve(id));
      });
    const controller = new AbortController();
    const runs = [slots.run(task(1)), slots.run(task(2))];
    const cancelled = slots.run(task(3), controller.signal);
    const fourth = slots.run(task(4));
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    controller.abort(new Error('no longer needed'));
    await expect(cancelled).rejects.toThrow('no longer needed');
    releases[0]?.();
    expect(await runs[0]).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([1, 2, 4]);
    releases[1]?.();
    releases[2]?.();
    expect(await Promise.all([runs[1], fourth])).toEqual([2, 4]);
  });
});
