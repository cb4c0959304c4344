// Timing helpers over the injected Clock, so fake timers drive them. Neither ever rejects: the
// supervisor's loop treats "woken early" and "timed out" as ordinary outcomes.
import type { Clock } from './ports.js';

/** Resolves after `ms`, or as soon as any of `signals` aborts (true = ran the full time). */
export function delay(clock: Clock, ms: number, signals: readonly AbortSignal[]): Promise<boolean> {
  return new Promise((resolve) => {
    if (signals.some((signal) => signal.aborted)) {
      resolve(false);
      return;
    }
    const finish = (full: boolean) => {
      clock.clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener('abort', early);
      resolve(full);
    };
    const early = () => finish(false);
    const timer = clock.setTimeout(() => finish(true), ms);
    for (const signal of signals) signal.addEventListener('abort', early, { once: true });
  });
}

/** The promise's value, or `fallback` when it takes longer than `ms` (or rejects). */
export function withTimeout<T>(clock: Clock, promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(fallback), ms);
    promise.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      () => {
        clock.clearTimeout(timer);
        resolve(fallback);
      },
    );
  });
}

/**
 * Starts `open(signal)` but settles as soon as `signal` aborts, so a stop never waits on a slow
 * connect; a connection that still arrives after the abort is closed, not leaked.
 */
export function openUnlessAborted<C extends { close(): void }>(
  open: (signal: AbortSignal) => Promise<C>,
  signal: AbortSignal,
): Promise<C> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('stopped'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    open(signal).then(
      (connection) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) connection.close();
        else resolve(connection);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** `promise`, or a rejection as soon as `signal` aborts (for work that may ignore the signal). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort = () => {};
  const stopped = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Error('stopped'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([promise, stopped]).finally(() => signal.removeEventListener('abort', onAbort));
}
