// Which channel opens have had no answer for too long (the listener's onStall: a link that died silently
// shows first as opens nobody answers). One timer per listener, armed while opens are pending, instead of
// one per connection: a setTimeout + clearTimeout per accept created and dropped a Node timer list each
// time (timers insert/unenroll and the priority queue in the setup profile, ~1% of the agent's CPU
// under 2,000 sequential connections, and a closure per connection).

/**
 * Time, injectable. forward/ cannot use the supervisor's Clock (supervisor/ports.ts): the supervisor
 * imports forward/, and the layering forbids the arrow back, type-only too. This is the part the watch needs.
 */
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
    const due: K[] = [];
    for (const [key, at] of this.started) {
      if (at + this.afterMs > now) {
        // Later starts are due later still.
        this.arm(at + this.afterMs - now);
        break;
      }
      due.push(key);
    }
    for (const key of due) this.started.delete(key);
    // Reported only once the timer is re-armed and the map settled: a callback that calls start() finds
    // the timer armed (no second one that clear() cannot reach), and one that throws does not keep the
    // opens due with it, or later, from being reported; its error still surfaces, after them.
    let failure: { error: unknown } | undefined;
    for (const key of due) {
      try {
        this.stalled(key);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
