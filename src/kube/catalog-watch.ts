// The watching half of the service catalog: the Services and the Nodes watches side by side, each resumed
// from its last resourceVersion when the server ends it (after timeoutSeconds), until one must stop (an
// ERROR event such as 410 Gone, a broken stream) — then both stop and the catalog lists again, after
// RelistBackoff's wait.
import { describeError } from '../errors.js';
import type { ApiChannel } from './api.js';
import type { WatchFunction } from './watch.js';
import type { WatchEvent } from './watch-event.js';

export type Kind = 'services' | 'nodes';

const PATHS: Record<Kind, string> = { services: '/api/v1/services', nodes: '/api/v1/nodes' };
/** A watch the server ends sooner than this is not resumed at once (a server ending every watch would spin). */
const MIN_WATCH_MS = 1000;

export interface WatchBothOptions {
  watch: WatchFunction;
  channel: ApiChannel;
  clock: { now(): number };
  timeoutSeconds: number | undefined;
  /** Read when each watch starts: apply() moves them on. */
  versions: Readonly<Record<Kind, string>>;
  /** Applies an event; answers why the watch must stop, else undefined. */
  apply: (kind: Kind, event: WatchEvent) => string | undefined;
  /** Aborted to stop both (by the caller, or here when one fails). */
  cycle: AbortController;
}

/** Resolves with why the watches stopped ('' when the caller aborted them). */
export function watchBoth(options: WatchBothOptions): Promise<string> {
  const { cycle } = options;
  return new Promise((resolve) => {
    const done = (problem: string) => {
      if (!cycle.signal.aborted) cycle.abort();
      resolve(problem);
    };
    for (const kind of ['services', 'nodes'] as const) {
      watchKind(options, kind).then(done, (error: unknown) => done(describeError(error)));
    }
  });
}

async function watchKind(options: WatchBothOptions, kind: Kind): Promise<string> {
  const { clock } = options;
  const cycle = options.cycle.signal;
  while (!cycle.aborted) {
    const own = new AbortController();
    const onAbort = () => own.abort();
    cycle.addEventListener('abort', onAbort, { once: true });
    const startedAt = clock.now();
    let problem: string | undefined;
    try {
      await options.watch({
        channel: options.channel,
        path: PATHS[kind],
        resourceVersion: options.versions[kind],
        signal: own.signal,
        timeoutSeconds: options.timeoutSeconds,
        onEvent: (event) => {
          problem ??= options.apply(kind, event);
          if (problem !== undefined) own.abort();
        },
      });
    } finally {
      cycle.removeEventListener('abort', onAbort);
    }
    if (cycle.aborted) return '';
    if (problem !== undefined) return problem;
    if (clock.now() - startedAt < MIN_WATCH_MS) return `the ${kind} watch ended as soon as it started`;
  }
  return '';
}

/** Time, injectable (kube/ cannot use the supervisor's Clock; this is the part of it the catalog needs). */
export interface CatalogClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 10_000;

/** The wait before listing again: exponential with jitter, cut short by cancel() (the catalog's stop()). */
export class RelistBackoff {
  private failures = 0;
  private sleeping: { handle: unknown; wake: () => void } | undefined;

  constructor(
    private readonly clock: CatalogClock,
    private readonly random: () => number,
  ) {}

  /** After a healthy cycle: the next failure starts the backoff over. */
  reset(): void {
    this.failures = 0;
  }

  wait(): Promise<void> {
    return this.sleep(this.nextMs());
  }

  cancel(): void {
    if (!this.sleeping) return;
    this.clock.clearTimeout(this.sleeping.handle);
    this.sleeping.wake();
  }

  private nextMs(): number {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 10);
    // Full range jitter above half: many sessions behind one dev server do not come back in step.
    return Math.round(ceiling * (0.5 + 0.5 * this.random()));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleeping = undefined;
        resolve();
      };
      this.sleeping = { handle: this.clock.setTimeout(wake, ms), wake };
    });
  }
}
