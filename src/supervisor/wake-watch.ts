// Notices the two moments a connection is most likely dead without any event telling us: the machine
// slept (a short timer fires far too late) and the network changed (interface addresses differ).
// It only reports; the supervisor decides what to check.
import type { Clock } from './ports.js';

export type WakeCause = 'wake' | 'network';

export interface WakeWatchOptions {
  clock: Clock;
  /** How often to look; default 5 s. */
  intervalMs?: number;
  /** A tick later than intervalMs × this means the process was frozen (sleep); default 3. */
  lateFactor?: number;
  fingerprint: () => string;
  onEvent: (cause: WakeCause, detail: string) => void;
}

/** Starts watching; returns the function that stops it. */
export function startWakeWatch(options: WakeWatchOptions): () => void {
  const { clock, fingerprint, onEvent } = options;
  const intervalMs = options.intervalMs ?? 5_000;
  const lateAfterMs = intervalMs * (options.lateFactor ?? 3);
  let stopped = false;
  let lastTickAt = clock.now();
  let lastPrint = fingerprint();
  let timer: unknown;
  const tick = () => {
    if (stopped) return;
    const now = clock.now();
    const elapsed = now - lastTickAt;
    lastTickAt = now;
    const print = fingerprint();
    const changed = print !== lastPrint;
    lastPrint = print;
    // One event per tick: after a sleep the network usually changed too, and one check covers both.
    if (elapsed > lateAfterMs)
      onEvent('wake', `timer fired ${elapsed} ms after the last (expected ${intervalMs})`);
    else if (changed) onEvent('network', 'network interfaces changed');
    timer = clock.setTimeout(tick, intervalMs);
  };
  timer = clock.setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
