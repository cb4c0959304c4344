// The listener's stall watch: an open still pending after afterMs is reported once, an answered one never,
// with one timer for all of them (a fake clock: no wall-clock waits).
import { describe, expect, it } from 'vitest';
import { type StallClock, StallWatch } from '../../../src/forward/stall-watch.js';

function fakeClock() {
  let now = 0;
  const timers: Array<{ at: number; callback: () => void } | undefined> = [];
  const clock: StallClock = {
    now: () => now,
    setTimeout: (callback, ms) => timers.push({ at: now + ms, callback }) - 1,
    clearTimeout: (id) => {
      timers[id as number] = undefined;
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = timers
        .map((timer, id) => ({ timer, id }))
        .filter((t) => t.timer !== undefined && t.timer.at <= until)
        .sort((a, b) => a.timer!.at - b.timer!.at)[0];
      if (!due) break;
      timers[due.id] = undefined;
      now = due.timer!.at;
      due.timer!.callback();
    }
    now = until;
  };
  const armed = () => timers.filter(Boolean).length;
  return { clock, advance, armed };
}

describe('StallWatch', () => {
  it('reports each open still pending after afterMs once, at its own deadline, and never an answered one', () => {
    const { clock, advance, armed } = fakeClock();
    const stalled: string[] = [];
    const watch = new StallWatch<string>(2000, (key) => stalled.push(key), clock);
    watch.start('a');
    advance(500);
    watch.start('b');
    watch.start('c');
    expect(armed()).toBe(1);
    advance(1000);
    watch.stop('b');
    advance(499);
    expect(stalled).toEqual([]);
    advance(1);
    expect(stalled).toEqual(['a']);
    advance(499);
    expect(stalled).toEqual(['a']);
    advance(1);
    expect(stalled).toEqual(['a', 'c']);
    advance(10_000);
    expect(stalled).toEqual(['a', 'c']);
    expect(armed()).toBe(0);
  });

  it('opens answered in time leave one timer that finds nothing and stops', () => {
    const { clock, advance, armed } = fakeClock();
    const stalled: number[] = [];
    const watch = new StallWatch<number>(2000, (key) => stalled.push(key), clock);
    for (let i = 0; i < 100; i++) {
      watch.start(i);
      watch.stop(i);
    }
    expect(armed()).toBe(1);
    advance(2000);
    expect(armed()).toBe(0);
    watch.start(7);
    advance(2000);
    expect(stalled).toEqual([7]);
  });

  it('clear() forgets pending opens and disarms the timer', () => {
    const { clock, advance, armed } = fakeClock();
    const stalled: number[] = [];
    const watch = new StallWatch<number>(2000, (key) => stalled.push(key), clock);
    watch.start(1);
    watch.clear();
    expect(armed()).toBe(0);
    advance(5000);
    expect(stalled).toEqual([]);
  });
});

describe('StallWatch, a callback that re-enters or throws', () => {
  it('a start() from the stall callback arms no second timer, and clear() then disarms everything', () => {
    const { clock, advance, armed } = fakeClock();
    const stalled: string[] = [];
    const watch = new StallWatch<string>(
      2000,
      (key) => {
        stalled.push(key);
        if (key === 'a') watch.start('retry');
      },
      clock,
    );
    watch.start('a');
    advance(500);
    watch.start('b');
    advance(1500);
    expect(stalled).toEqual(['a']);
    expect(armed()).toBe(1);
    advance(500);
    expect(stalled).toEqual(['a', 'b']);
    advance(1500);
    expect(stalled).toEqual(['a', 'b', 'retry']);
    watch.start('c');
    watch.clear();
    expect(armed()).toBe(0);
    advance(10_000);
    expect(stalled).toEqual(['a', 'b', 'retry']);
  });

  it('a throwing callback does not stop the other opens, due now or later, from being reported', () => {
    const { clock, advance } = fakeClock();
    const stalled: string[] = [];
    const watch = new StallWatch<string>(
      2000,
      (key) => {
        stalled.push(key);
        if (key === 'a') throw new Error('callback failed');
      },
      clock,
    );
    watch.start('a');
    watch.start('b');
    advance(500);
    watch.start('c');
    expect(() => advance(1500)).toThrow('callback failed');
    expect(stalled).toEqual(['a', 'b']);
    advance(500);
    expect(stalled).toEqual(['a', 'b', 'c']);
  });
});
