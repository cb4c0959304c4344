// `k3d image import` for `tunnel image push`, bounded by a time that grows with the image. Its verdict
// never ends the push (push.ts: the nodes decide), and neither does a k3d that never finishes: in v5.2–v5.3's
// direct mode a node whose ctr fails mid-stream stops the shared stream, the other nodes' ctr wait for the
// rest of it forever and k3d waits for them. Stopping k3d then leaves the temporary file in place, so
// the node checks and the direct import still run.

import { runK3d } from '../remote/k3d.js';
import { classifyImportOutput, type ImportOutput } from '../remote/k3d-import-output.js';
import type { K3dInfo } from '../remote/types.js';
import type { SshConnection } from '../ssh/types.js';

const BASE_MS = 3 * 60_000;
// ctr writes every layer into each node's content store and unpacks it: a few MiB/s on a slow disk.
const BYTES_PER_MS = (4 * 1024 * 1024) / 1000;
const MAX_MS = 30 * 60_000;

/** How long k3d gets for an image of `bytes`: 3 minutes (the tools node) plus 4 MiB/s, at most 30 minutes. */
export function importTimeoutMs(bytes: number): number {
  return Math.min(MAX_MS, BASE_MS + Math.ceil(bytes / BYTES_PER_MS));
}

export interface K3dImport {
  k3d: K3dInfo;
  file: string;
  cluster: string;
  timeoutMs: number;
  /** Ctrl-C: stops k3d and ends the push (unlike the timeout). */
  signal: AbortSignal;
}

/** Runs the import; a timeout becomes an output with code null and one error saying so. */
export async function runK3dImport(conn: SshConnection, run: K3dImport): Promise<ImportOutput> {
  const stop = new AbortController();
  let timedOut = false;
  const onAbort = () => stop.abort(run.signal.reason);
  run.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort(new Error('k3d image import timed out'));
  }, run.timeoutMs);
  try {
    if (run.signal.aborted) onAbort();
    const result = await runK3d(conn, run.k3d, ['image', 'import', run.file, '-c', run.cluster], {
      signal: stop.signal,
      // A backstop only: the timer above stops it first.
      timeoutMs: run.timeoutMs + 60_000,
    });
    return classifyImportOutput(result.stdout, result.stderr, result.code);
  } catch (error) {
    if (!timedOut || run.signal.aborted) throw error;
    const why = `k3d did not finish within ${duration(run.timeoutMs)} and was stopped`;
    return { code: null, noise: [], errors: [why], warnings: [], lines: [why] };
  } finally {
    clearTimeout(timer);
    run.signal.removeEventListener('abort', onAbort);
  }
}

function duration(ms: number): string {
  const [count, unit] = ms >= 60_000 ? [Math.round(ms / 60_000), 'minute'] : [Math.ceil(ms / 1000), 'second'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
