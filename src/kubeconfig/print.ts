// src/kubeconfig (print): `tunnel kubeconfig`, the kubeconfig for a host's forwarded clusters, as text;
// writes no file. When a session for the host runs, its actual local ports are used (the caller asks the
// agent: livePorts); otherwise the ports `connect` would try first. One cluster without a usable
// credential does not hide the others: it is an event, and the rest are printed. Prints nothing itself.
import { contextNameFor, type SessionOptions } from '../config/resolve.js';
import type { DevServer } from '../devserver/dev-server.js';
import { type OpenDevServer, withDevServer } from '../devserver/with-dev-server.js';
import { isTunnelError } from '../errors.js';
import { planForwards } from '../plan/forward-plan.js';
import type { ForwardSpec } from '../plan/types.js';
import { clientAddress, fetchRewritten } from './fetch.js';
import type { KubeconfigEntries } from './rewrite.js';
import { renderStandaloneKubeconfig } from './write.js';

export type KubeconfigPrintEvent =
  /** No session runs for the host: the ports are the ones connect would try first. */
  | { kind: 'not-connected' }
  /** This cluster's kubeconfig was unusable; message names what (YAML keys the dev server chose). */
  | { kind: 'no-context'; cluster: string; message: string }
  /** A field of k3d's kubeconfig left out by the allowlist. */
  | { kind: 'dropped'; context: string; field: { path: string; reason: string } };

export interface KubeconfigPrintRequest {
  host: string;
  options: Pick<SessionOptions, 'clusters' | 'maps' | 'bindAddress' | 'contextTemplate'>;
  /** The running session's local port per forward id; undefined when the host is not connected. */
  livePorts: () => Promise<Map<string, number> | undefined>;
  open: OpenDevServer;
  signal?: AbortSignal;
  onEvent: (event: KubeconfigPrintEvent) => void;
}

export interface KubeconfigPrintReport {
  host: string;
  /** The kubeconfig text; undefined when no running cluster publishes an API port (nothing to print). */
  yaml: string | undefined;
  contexts: { cluster: string; context: string }[];
}

export async function printKubeconfig(request: KubeconfigPrintRequest): Promise<KubeconfigPrintReport> {
  const running = await request.livePorts();
  if (!running) request.onEvent({ kind: 'not-connected' });
  const fetched = await withDevServer(request.open, (devServer) => fetchAll(devServer, request, running));
  const first = fetched[0];
  return {
    host: request.host,
    yaml: first
      ? renderStandaloneKubeconfig(
          fetched.map(({ entry }) => entry),
          first.entry.context.name,
        )
      : undefined,
    contexts: fetched.map(({ cluster, entry }) => ({ cluster, context: entry.context.name })),
  };
}

interface Fetched {
  cluster: string;
  entry: KubeconfigEntries;
}

async function fetchAll(
  devServer: DevServer,
  request: KubeconfigPrintRequest,
  running: Map<string, number> | undefined,
): Promise<Fetched[]> {
  const { host, options } = request;
  const k3d = await devServer.k3d();
  const plan = planForwards(await devServer.clusters({ signal: request.signal }), options);
  const input = {
    connection: devServer.ssh,
    k3d,
    names: (cluster: string) => contextNameFor(options.contextTemplate, cluster, host),
    serverHost: clientAddress(options.bindAddress),
  };
  const fetched: Fetched[] = [];
  for (const api of apiForwards(plan.forwards, running)) {
    request.signal?.throwIfAborted();
    const entry = await fetchRewritten(input, api).catch((error: unknown) => {
      // One cluster without a usable credential must not hide the others' contexts.
      if (!isTunnelError(error) || error.code !== 'KUBECONFIG') throw error;
      request.onEvent({ kind: 'no-context', cluster: api.cluster, message: error.message });
      return undefined;
    });
    if (!entry) continue;
    for (const field of entry.dropped)
      request.onEvent({ kind: 'dropped', context: entry.context.name, field });
    fetched.push({ cluster: api.cluster, entry });
  }
  return fetched;
}

/** The plan's API forwards, on the running session's local ports where it has them. */
function apiForwards(forwards: readonly ForwardSpec[], running: Map<string, number> | undefined) {
  return forwards
    .filter((spec) => spec.kind === 'api')
    .map((spec): ForwardSpec => {
      const localPort = running?.get(spec.id);
      return localPort === undefined ? spec : { ...spec, localPort };
    });
}
