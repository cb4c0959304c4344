// Notices the two moments a connection is most likely dead without any event telling us: the machine
// slept and the network changed (interface addresses differ). It only reports; the supervisor decides
// what to check.
// Sleep is told apart from a merely late timer: macOS coalesces timers of background processes, up to
// ~10 s late, which a plain "the tick came 3× late" rule mistook for a wake. A tick is a wake when the
// wall clock moved on further than the monotonic one (Linux: CLOCK_MONOTONIC stops in suspend), or,
// where the monotonic clock counts sleep as well (macOS, see Clock.monotonicNow), when the tick is
// later than any coalescing would make it.
import type { Clock } from './ports.js';

export type WakeCause = 'wake' | 'network';

export interface WakeWatchOptions {
  clock: Clock;
  /** How often to look; default 5 s. */
  intervalMs?: number;
  /** Wall time beyond monotonic time that means the machine was asleep; default 5 s. */
  sleptAfterMs?: number;
  /**
   * Lateness beyond intervalMs that counts as a sleep without any clock gap; default 15 s: above macOS's
   * coalescing (up to ~10 s), below a process frozen for 30 s (SIGSTOP; a Mac asleep, whose clocks both run).
   */
  lateAfterMs?: number;
  fingerprint: () => string;
  onEvent: (cause: WakeCause, detail: string) => void;
}

/** Starts watching; returns the function that stops it. */
export function startWakeWatch(options: WakeWatchOptions): () => void {
  const { clock, fingerprint, onEvent } = options;
  const intervalMs = options.intervalMs ?? 5_000;
  const sleptAfterMs = options.sleptAfterMs ?? 5_000;
  const lateAfterMs = options.lateAfterMs ?? 15_000;
  let stopped = false;
  let last = { wall: clock.now(), monotonic: clock.monotonicNow() };
  let lastPrint = fingerprint();
  let timer: unknown;
  const tick = () => {
    if (stopped) return;
    const now = { wall: clock.now(), monotonic: clock.monotonicNow() };
    const asleepMs = Math.round(now.wall - last.wall - (now.monotonic - last.monotonic));
    const lateMs = Math.round(now.monotonic - last.monotonic - intervalMs);
    last = now;
    const print = fingerprint();
    const changed = print !== lastPrint;
    lastPrint = print;
    // One event per tick: after a sleep the network usually changed too, and one check covers both.
    if (asleepMs > sleptAfterMs) onEvent('wake', `the machine slept for about ${asleepMs} ms`);
    else if (lateMs > lateAfterMs) onEvent('wake', `the timer fired ${lateMs} ms late (asleep or frozen)`);
    else if (changed) onEvent('network', 'network interfaces changed');
    timer = clock.setTimeout(tick, intervalMs);
  };
  timer = clock.setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
