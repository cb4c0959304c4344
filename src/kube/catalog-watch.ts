// The watching half of the service catalog: the Services and the Nodes watches side by side, each resumed
// from its last resourceVersion when the server ends it (after timeoutSeconds), until one must stop (an
// ERROR event such as 410 Gone, a broken stream) — then both stop and the catalog lists again.
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
