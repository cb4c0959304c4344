// The agent's status feed on a fake clock: a state change reaches a watcher at the next tick (a burst is
// one update), traffic at most once per interval, an unchanged document is never re-sent, and nothing
// at all happens while nothing changes.
import { describe, expect, it } from 'vitest';
import { StatusFeed, watchInterval } from '../../../src/agent/status-feed.js';
import { fakeTimers } from '../../fake-timers.js';

/** The shared fake timers, starting at 0 (the feed reads only monotonicNow and the timers). */
function fakeClock() {
  const time = fakeTimers(0);
  return { ...time, pending: () => time.pending().length };
}

/** A feed with one watcher whose document is `state` (a test changes it, then tells the feed). */
function setUp(minIntervalMs = 250) {
  const time = fakeClock();
  const feed = new StatusFeed<{ state: string; bytes: number }>(time.clock);
  const world = { state: 'connecting', bytes: 0 };
  const sent: { state: string; bytes: number; at: number }[] = [];
  const unsubscribe = feed.subscribe({
    minIntervalMs,
    build: () => ({ ...world }),
    send: (document) => sent.push({ ...document, at: time.clock.monotonicNow() }),
  });
  return { ...time, feed, world, sent, unsubscribe };
}

describe('StatusFeed', () => {
  it('sends the document at once when a watcher subscribes', () => {
    const { sent } = setUp();
    expect(sent).toEqual([{ state: 'connecting', bytes: 0, at: 0 }]);
  });

  it('sends a state change at the next tick, one update for a synchronous burst', () => {
    const { feed, world, sent, advance } = setUp();
    advance(1000);
    world.state = 'forwarding';
    feed.changed();
    world.bytes = 5;
    feed.changed();
    feed.traffic();
    expect(sent).toHaveLength(1); // not synchronously: the burst is still going on
    advance(0);
    expect(sent.slice(1)).toEqual([{ state: 'forwarding', bytes: 5, at: 1000 }]);
  });

  it('sends traffic at most once per interval, with the latest counters', () => {
    const { feed, world, sent, advance } = setUp(250);
    advance(1000);
    for (let chunk = 1; chunk <= 100; chunk++) {
      world.bytes = chunk;
      feed.traffic();
      advance(10); // 100 chunks over 1 s
    }
    const times = sent.slice(1).map((update) => update.at);
    expect(times.length).toBeGreaterThanOrEqual(4);
    expect(times.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(250);
    }
    advance(1000);
    expect(sent.at(-1)?.bytes).toBe(100);
  });

  it('does not hold a state change back behind the traffic throttle', () => {
    const { feed, world, sent, advance } = setUp(5000);
    advance(100);
    world.bytes = 1;
    feed.traffic(); // due at 5000 (the first update was at 0)
    world.state = 'reconnecting';
    feed.changed();
    advance(0);
    expect(sent.at(-1)).toEqual({ state: 'reconnecting', bytes: 1, at: 100 });
  });

  it('does not send a document identical to the last one sent', () => {
    const { feed, sent, advance } = setUp();
    feed.changed();
    advance(0);
    feed.traffic();
    advance(1000);
    expect(sent).toHaveLength(1);
  });

  it('arms nothing and sends nothing while nothing changes', () => {
    const { sent, advance, pending } = setUp();
    expect(pending()).toBe(0);
    advance(60 * 60_000);
    expect(sent).toHaveLength(1);
    expect(pending()).toBe(0);
  });

  it('arms one timer for a run of chunks, however many there are', () => {
    const { feed, world, advance, pending } = setUp();
    advance(10); // within the interval after the first update: traffic must wait
    for (let chunk = 0; chunk < 10_000; chunk++) {
      world.bytes = chunk;
      feed.traffic();
    }
    expect(pending()).toBe(1);
  });

  it('stops sending after unsubscribe, and clears its timer', () => {
    const { feed, world, sent, advance, pending, unsubscribe } = setUp();
    advance(10);
    world.bytes = 9;
    feed.traffic();
    unsubscribe();
    expect(pending()).toBe(0);
    advance(1000);
    feed.changed();
    advance(0);
    expect(sent).toHaveLength(1);
    expect(feed.size()).toBe(0);
  });

  it('gives traffic to a watcher that joins while another waits for its turn', () => {
    const { feed, world, advance, clock } = setUp(10_000);
    advance(10);
    world.bytes = 1;
    feed.traffic(); // the first watcher waits until 10 000
    const later: number[] = [];
    feed.subscribe({ minIntervalMs: 250, build: () => ({ ...world }), send: (d) => later.push(d.bytes) });
    advance(300);
    world.bytes = 2;
    feed.traffic();
    advance(300);
    expect(later).toEqual([1, 2]);
    expect(clock.monotonicNow()).toBe(610);
  });

  it('keeps sending traffic on time when the wall clock steps back (it measures on the monotonic clock)', () => {
    const time = fakeClock();
    // A whole house Clock whose wall time jumped back 10 minutes (NTP, a manual change).
    let wall = Date.parse('2026-01-01T10:00:00Z');
    const clock = { ...time.clock, now: () => wall };
    const feed = new StatusFeed<{ bytes: number }>(clock);
    const world = { bytes: 0 };
    const sent: number[] = [];
    feed.subscribe({ minIntervalMs: 250, build: () => ({ ...world }), send: (d) => sent.push(d.bytes) });
    time.advance(300);
    wall -= 10 * 60_000;
    world.bytes = 1;
    feed.traffic();
    time.advance(250);
    expect(sent).toEqual([0, 1]);
  });

  it('ends every watch on close', () => {
    const { feed, pending } = setUp();
    let ended = 0;
    feed.subscribe({
      minIntervalMs: 250,
      build: () => ({ state: 'x', bytes: 0 }),
      send: () => {},
      end: () => ended++,
    });
    feed.traffic();
    feed.close();
    expect(ended).toBe(1);
    expect(feed.size()).toBe(0);
    expect(pending()).toBe(0);
  });
});

describe('watchInterval', () => {
  it('defaults to 250 ms and keeps a request within 50 ms..10 s', () => {
    expect(watchInterval(undefined)).toBe(250);
    expect(watchInterval(0)).toBe(50);
    expect(watchInterval(1000)).toBe(1000);
    expect(watchInterval(3_600_000)).toBe(10_000);
  });
});
