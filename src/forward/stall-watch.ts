// Which channel opens have had no answer for too long (the listener's onStall: a link that died silently
// shows first as opens nobody answers). One timer per listener, armed while opens are pending, instead of
// one per connection: a setTimeout + clearTimeout per accept created and dropped a Node timer list each
// time (timers insert/unenroll and the priority queue in the setup profile, ~1% of the agent's CPU
// under 2,000 sequential connections, and a closure per connection).

export interface StallClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

const realClock: StallClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export class StallWatch<K> {
  /** Pending opens and when each started; insertion order is start order. */
  private readonly started = new Map<K, number>();
  private timer: unknown;

  constructor(
    private readonly afterMs: number,
    private readonly stalled: (key: K) => void,
    private readonly clock: StallClock = realClock,
  ) {}

  /** An open began: `stalled(key)` is called once if it is not stopped within afterMs. */
  start(key: K): void {
    this.started.set(key, this.clock.now());
    if (this.timer === undefined) this.arm(this.afterMs);
  }

  /** The open was answered (or abandoned). The timer stays armed; it finds nothing and stops. */
  stop(key: K): void {
    this.started.delete(key);
  }

  /** Forgets every pending open and stops the timer (the listener stops). */
  clear(): void {
    this.started.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = this.clock.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const [key, at] of this.started) {
      const due = at + this.afterMs;
      if (due > now) {
        // Later starts are due later still.
        this.arm(due - now);
        return;
      }
      this.started.delete(key);
      this.stalled(key);
    }
  }
}
