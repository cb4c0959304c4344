// src/cluster (create): `tunnel cluster create`, a k3d cluster on the dev server. The request was parsed
// and checked by the caller (every flag before anything runs); this opens the dev server, checks the name
// and every port on both ends (checks.ts), runs `k3d cluster create` with its progress as events, closes
// the dev server, then (--connect) has the agent forward the cluster. It prints nothing.
import { isLoopback } from '../config/resolve.js';
import type { DevServer } from '../devserver/dev-server.js';
import { withDevServer } from '../devserver/with-dev-server.js';
import { createCluster as runK3dCreate } from '../remote/k3d-cluster.js';
import { checkBeforeCreate } from './checks.js';
import { agentStep, runK3d } from './steps.js';
import type { CreateClusterReport, CreateClusterRequest } from './types.js';

type Created = Pick<CreateClusterReport<unknown>, 'k3d' | 'cluster' | 'warnings'>;

export async function createCluster<Forwarded>(
  request: CreateClusterRequest<Forwarded>,
): Promise<CreateClusterReport<Forwarded>> {
  const exposed = exposedApiWarning(request.host, request.cluster.apiHost);
  if (exposed) request.onEvent({ kind: 'warning', message: exposed });
  const created = await withDevServer(request.open, (devServer) => create(devServer, request));
  // The dev server is closed by now: the agent opens its own connection. The cluster exists whatever the
  // agent does next, so its failures go into the report (printed, then exit 1), never in its place.
  if (request.connect) {
    const { answer, agentFailure } = await agentStep(() => request.sessions.forward(request.cluster.name));
    return { host: request.host, ...created, forward: answer, agentFailure, rediscoverIntervalMs: undefined };
  }
  const interval = await agentStep(() => request.sessions.rediscoverIntervalMs());
  // Only a hint about when a running session picks the cluster up: a warning, not a failure.
  if (interval.agentFailure)
    request.onEvent({
      kind: 'warning',
      message: `the agent did not answer: ${interval.agentFailure.message}`,
    });
  return {
    host: request.host,
    ...created,
    forward: undefined,
    agentFailure: undefined,
    rediscoverIntervalMs: interval.answer,
  };
}

async function create(devServer: DevServer, request: CreateClusterRequest<unknown>): Promise<Created> {
  const k3d = await devServer.k3d();
  const checked = await checkBeforeCreate({
    devServer,
    request: request.cluster,
    bindAddress: request.bindAddress,
  });
  for (const message of checked.warnings) request.onEvent({ kind: 'warning', message });
  request.signal?.throwIfAborted();
  const cluster = { ...request.cluster, apiPort: checked.apiPort };
  await runK3d(request, 'create', (onLine) =>
    runK3dCreate(devServer.ssh, k3d, cluster, { onLine, signal: request.signal }),
  );
  return {
    k3d: { version: k3d.k3dVersion ?? null, path: k3d.path },
    cluster,
    warnings: checked.warnings,
  };
}

/** An API listening beyond the dev server's loopback is reachable by more than the tunnel. */
function exposedApiWarning(host: string, apiHost: string): string | undefined {
  if (isLoopback(apiHost)) return undefined;
  return (
    `the API will listen on ${apiHost} on ${host}${apiHost === '0.0.0.0' ? ' (every interface)' : ''}: ` +
    'whoever reaches that address can try it (k3s still asks for the client certificate). ' +
    'Without --api-host only the tunnel reaches it.'
  );
}
