// Sleep versus a late timer, on a fake clock that moves the wall and the monotonic clock separately:
// Linux's CLOCK_MONOTONIC stops in suspend (a gap opens), macOS's mach_continuous_time does not (only
// lateness shows), and macOS's timer coalescing fires a background timer up to ~10 s late with both
// clocks moving together, which is not a sleep.
import { describe, expect, it } from 'vitest';
import { networkFingerprint } from '../../../src/supervisor/network-fingerprint.js';
import type { Clock } from '../../../src/supervisor/ports.js';
import { startWakeWatch } from '../../../src/supervisor/wake-watch.js';
import { macInterfaces, v4 } from '../../fixtures/macos/network-interfaces.js';

function fakeClock() {
  const time = { wall: 1_767_225_600_000, monotonic: 1_000 };
  let pending: (() => void) | undefined;
  const clock: Clock = {
    now: () => time.wall,
    monotonicNow: () => time.monotonic,
    setTimeout: (callback) => {
      pending = callback;
      return 1;
    },
    clearTimeout: () => {
      pending = undefined;
    },
  };
  /** The next tick fires after `awakeMs` of running time plus `asleepMs` the monotonic clock skipped. */
  const tick = ({ awakeMs = 5_000, asleepMs = 0, monotonicCountsSleep = false } = {}) => {
    time.wall += awakeMs + asleepMs;
    time.monotonic += awakeMs + (monotonicCountsSleep ? asleepMs : 0);
    const run = pending;
    pending = undefined;
    run?.();
  };
  return { clock, tick };
}

function watch(fingerprint: () => string = () => 'en0=192.168.1.23') {
  const { clock, tick } = fakeClock();
  const events: string[] = [];
  const stop = startWakeWatch({
    clock,
    fingerprint,
    onEvent: (cause, detail) => events.push(`${cause}: ${detail}`),
  });
  return { tick, events, stop };
}

describe('startWakeWatch: sleep', () => {
  it('a sleep on Linux (the monotonic clock stood still) is a wake', () => {
    const { tick, events } = watch();
    tick();
    tick({ awakeMs: 100, asleepMs: 20_000 });
    expect(events).toEqual(['wake: the machine slept for about 20000 ms']);
  });

  it('a sleep on macOS (mach_continuous_time counted it) is a wake once the tick is past coalescing', () => {
    const { tick, events } = watch();
    tick({ awakeMs: 100, asleepMs: 120_000, monotonicCountsSleep: true });
    expect(events).toEqual(['wake: the timer fired 115100 ms late (asleep or frozen)']);
  });

  it('a process frozen for 30 s with both clocks running (SIGSTOP; a Mac asleep) is a wake', () => {
    // 30 s of freeze + the 5 s interval: 30 s late, past the 15 s lateness rule, which leaves 5 s of margin
    // above macOS's coalescing (up to ~10 s late).
    const { tick, events } = watch();
    tick({ awakeMs: 100, asleepMs: 30_000, monotonicCountsSleep: true });
    expect(events).toEqual(['wake: the timer fired 25100 ms late (asleep or frozen)']);
  });

  it('a short suspend on Linux (8 s: less than three ticks of wall time) is a wake', () => {
    // The old rule (wall time between ticks > 3 × 5 s) saw 8.1 s and missed it.
    const { tick, events } = watch();
    tick({ awakeMs: 100, asleepMs: 8_000 });
    expect(events).toEqual(['wake: the machine slept for about 8000 ms']);
  });

  it('timer coalescing (ticks 10 s late plus a slow loop, both clocks moving) is never taken for a sleep', () => {
    // 5 s interval + 10 s of coalescing + 1 s of a busy event loop = 16 s between ticks: past the old
    // rule's 15 s (3 × 5 s of wall time), which called each of these a wake and cancelled the backoff.
    const { tick, events } = watch();
    for (let i = 0; i < 20; i++) tick({ awakeMs: 5_000 + 10_000 + 1_000 });
    tick({ awakeMs: 5_000 });
    expect(events).toEqual([]);
  });

  it('stops reporting once stopped', () => {
    const { tick, events, stop } = watch();
    stop();
    tick({ asleepMs: 60_000 });
    expect(events).toEqual([]);
  });
});

describe('startWakeWatch: network', () => {
  it("ignores a Mac's interface churn and reports en0 getting a new address, once", () => {
    let interfaces = macInterfaces();
    const { tick, events } = watch(() => networkFingerprint(interfaces, 'darwin'));
    interfaces = macInterfaces();
    interfaces.awdl0 = [];
    interfaces.utun5 = interfaces.utun3;
    tick();
    expect(events).toEqual([]);
    interfaces = macInterfaces();
    interfaces.en0 = [v4('10.20.30.40', '255.255.255.0', 'a4:83:e7:2b:19:6c')];
    tick();
    tick();
    expect(events).toEqual(['network: network interfaces changed']);
  });
});
