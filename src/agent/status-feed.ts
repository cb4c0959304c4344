// When the agent tells its watchers (`watch` requests) that the status changed. Change-driven, never
// polled: a session's state or record changing is urgent (sent at the next tick, so a synchronous burst
// of changes is one update); a forward's counters moving is traffic, sent at most once per watcher's
// interval. An update identical to the last one a watcher got is not sent, and nothing runs while
// nothing changes. traffic() sits on the data path (once per chunk): O(1) and allocation-free while a
// send is already due.
import { type Clock, systemClock } from '../supervisor/ports.js';

/**
 * Time, injected so tests drive it (the agent passes the real timers). Monotonic: the throttle measures
 * "since the last send", and a wall clock stepped back (NTP, a manual change) would hold every traffic
 * update back by the size of the step.
 */
export type FeedClock = Pick<Clock, 'monotonicNow' | 'setTimeout' | 'clearTimeout'>;

export const DEFAULT_WATCH_INTERVAL_MS = 250;
const MIN_WATCH_INTERVAL_MS = 50;
const MAX_WATCH_INTERVAL_MS = 10_000;

/** The interval a watcher asked for, within what the agent is willing to do. */
export function watchInterval(requested: number | undefined): number {
  const ms = requested ?? DEFAULT_WATCH_INTERVAL_MS;
  return Math.min(MAX_WATCH_INTERVAL_MS, Math.max(MIN_WATCH_INTERVAL_MS, ms));
}

export interface Watcher<T> {
  /** Traffic-only changes reach this watcher at most this often. */
  minIntervalMs: number;
  /** The document as it is now (built only when a send is due). */
  build(): T;
  send(document: T): void;
  /** The feed closed (the agent is stopping): the watch ends. */
  end?(): void;
}

interface Subscription<T> {
  watcher: Watcher<T>;
  lastJson: string;
  lastSentAt: number;
  timer: unknown;
  /** When the armed timer fires (monotonic ms); undefined = no timer armed. */
  dueAt: number | undefined;
}

export class StatusFeed<T> {
  private readonly subscriptions = new Set<Subscription<T>>();
  /** A traffic send is armed for every watcher: further traffic needs nothing until one fires. */
  private trafficArmed = false;

  constructor(private readonly clock: FeedClock = systemClock) {}

  /** Sends the first document at once; returns the unsubscribe. */
  subscribe(watcher: Watcher<T>): () => void {
    const document = watcher.build();
    const subscription: Subscription<T> = {
      watcher,
      lastJson: JSON.stringify(document),
      lastSentAt: this.clock.monotonicNow(),
      timer: undefined,
      dueAt: undefined,
    };
    this.subscriptions.add(subscription);
    // Not armed yet: the next chunk must reach it even while the others wait for their send.
    this.trafficArmed = false;
    watcher.send(document);
    return () => {
      this.disarm(subscription);
      this.subscriptions.delete(subscription);
      this.trafficArmed = false;
    };
  }

  /** Ends every watch (the agent is stopping); nothing is sent after this. */
  close(): void {
    const all = [...this.subscriptions];
    this.subscriptions.clear();
    for (const subscription of all) {
      this.disarm(subscription);
      subscription.watcher.end?.();
    }
  }

  /** A session's state or record changed: every watcher hears at the next tick. */
  changed(): void {
    const now = this.clock.monotonicNow();
    for (const subscription of this.subscriptions) {
      if (subscription.dueAt !== undefined && subscription.dueAt <= now) continue;
      this.disarm(subscription);
      this.arm(subscription, 0);
    }
  }

  /** A forward's counters moved (a chunk, an accept, a close): throttled per watcher. */
  traffic(): void {
    if (this.trafficArmed || this.subscriptions.size === 0) return;
    this.trafficArmed = true;
    const now = this.clock.monotonicNow();
    for (const subscription of this.subscriptions) {
      if (subscription.dueAt !== undefined) continue;
      const wait = subscription.lastSentAt + subscription.watcher.minIntervalMs - now;
      this.arm(subscription, Math.max(0, wait));
    }
  }

  /** Watchers right now (tests, diagnostics). */
  size(): number {
    return this.subscriptions.size;
  }

  private arm(subscription: Subscription<T>, ms: number): void {
    subscription.dueAt = this.clock.monotonicNow() + ms;
    subscription.timer = this.clock.setTimeout(() => this.fire(subscription), ms);
  }

  private disarm(subscription: Subscription<T>): void {
    if (subscription.dueAt === undefined) return;
    this.clock.clearTimeout(subscription.timer);
    subscription.dueAt = undefined;
    subscription.timer = undefined;
  }

  private fire(subscription: Subscription<T>): void {
    subscription.dueAt = undefined;
    subscription.timer = undefined;
    // The next chunk arms the watchers again (this one is free now; the others are skipped while armed).
    this.trafficArmed = false;
    if (!this.subscriptions.has(subscription)) return;
    const document = subscription.watcher.build();
    const json = JSON.stringify(document);
    if (json === subscription.lastJson) return;
    subscription.lastJson = json;
    subscription.lastSentAt = this.clock.monotonicNow();
    subscription.watcher.send(document);
  }
}
