// src/forward/reclaim.ts: one collection a moment after a burst of closes that left data behind.
import { describe, expect, it, vi } from 'vitest';
import { createReclaimer, RECLAIM_DELAY_MS, RECLAIM_MIN_BYTES } from '../../../src/forward/reclaim.js';

function fakeDeps(withGc = true) {
  const gc = vi.fn();
  const timers: Array<{ callback: () => void; ms: number; cleared: boolean }> = [];
  const deps = {
    gc: withGc ? gc : undefined,
    setTimer: (callback: () => void, ms: number) => {
      const timer = { callback, ms, cleared: false };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => {
      if (timer) (timer as { cleared: boolean }).cleared = true;
    },
  };
  const fire = () => {
    for (const timer of timers.splice(0)) if (!timer.cleared) timer.callback();
  };
  return { gc, deps, timers, fire };
}

describe('createReclaimer', () => {
  it('collects once, RECLAIM_DELAY_MS after the last of a burst of closes', () => {
    const { gc, deps, timers, fire } = fakeDeps();
    const leftBehind = createReclaimer(deps);
    for (let i = 0; i < 50; i++) leftBehind(2 * 1024 * 1024);
    expect(timers.filter((t) => !t.cleared)).toHaveLength(1);
    expect(timers.at(-1)?.ms).toBe(RECLAIM_DELAY_MS);
    expect(gc).not.toHaveBeenCalled();
    fire();
    expect(gc).toHaveBeenCalledTimes(1);
  });

  it('waits for V8 when less than RECLAIM_MIN_BYTES was left, and counts across closes', () => {
    const { gc, deps, timers, fire } = fakeDeps();
    const leftBehind = createReclaimer(deps);
    leftBehind(RECLAIM_MIN_BYTES / 2);
    expect(timers).toHaveLength(0);
    leftBehind(RECLAIM_MIN_BYTES / 2);
    fire();
    expect(gc).toHaveBeenCalledTimes(1);
    leftBehind(RECLAIM_MIN_BYTES / 2);
    expect(timers).toHaveLength(0);
  });

  it('does nothing without --expose-gc', () => {
    const { deps, timers } = fakeDeps(false);
    createReclaimer(deps)(100 * RECLAIM_MIN_BYTES);
    expect(timers).toHaveLength(0);
  });
});
