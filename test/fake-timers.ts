// A clock the test moves by hand, for the units that take their time and timers injected (the agent's
// status feed, the page server's agent feed): now and monotonicNow read the same fake time, and
// advance() fires every timer that falls due, in order, each at its own time.
export function fakeTimers(start = Date.parse('2026-12-05T08:00:00Z')) {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void; ms: number }>();
  const clock = {
    now: () => now,
    monotonicNow: () => now,
    setTimeout: (callback: () => void, ms: number): unknown => {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback, ms });
      return id;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
  };
  /** Moves time on by ms, firing each timer due on the way, in order. */
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = end;
  };
  /** The delays of the timers still armed. */
  const pending = () => [...timers.values()].map((timer) => timer.ms);
  return { clock, advance, pending };
}
