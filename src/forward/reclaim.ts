// Gives memory back once clients that stopped reading are gone. What such a client left behind (up to
// a window per connection, 100 MiB for 50 of them) is garbage once its connection closes, but an agent
// that then sits idle allocates nothing, so V8 never collects it and the RSS stays. One full
// collection, a moment after a burst of such closes, frees it (the bench's "after they close" row;
// how much of that glibc returns to the system: src/agent/node-flags.ts). Needs the agent's
// --expose-gc (src/agent/node-flags.ts); without it, a no-op.

/** Below this much left behind, waiting for V8's own next collection costs little. */
export const RECLAIM_MIN_BYTES = 1024 * 1024;
/** After the last close of a burst: one collection for all of them. */
export const RECLAIM_DELAY_MS = 2_000;

export interface ReclaimDeps {
  gc: (() => void) | undefined;
  /** Returns a handle for clearTimer; a Node timer is unref'ed (a pending collection keeps no one alive). */
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (timer: unknown) => void;
}

/** Returns the function to call with each closing connection's left-behind bytes. */
export function createReclaimer(deps: ReclaimDeps): (bytes: number) => void {
  let pending = 0;
  let timer: unknown;
  return (bytes) => {
    if (!deps.gc) return;
    pending += bytes;
    if (pending < RECLAIM_MIN_BYTES) return;
    deps.clearTimer(timer);
    timer = deps.setTimer(() => {
      pending = 0;
      timer = undefined;
      deps.gc?.();
    }, RECLAIM_DELAY_MS);
  };
}

/** The process-wide reclaimer the listeners use (globalThis.gc exists only under --expose-gc). */
export const reclaimAfterLeftBehind = createReclaimer({
  gc: (globalThis as { gc?: () => void }).gc,
  setTimer: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
});
