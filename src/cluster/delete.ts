// src/cluster (delete): `tunnel cluster delete`, `k3d cluster delete` on the dev server with its progress
// as events, then the cluster's kube context leaves this machine's kubeconfig and the host's session (if
// one runs) drops its forwards at once. Idempotent like k3d: a cluster that does not exist is 'not-found'.
import { withDevServer } from '../devserver/with-dev-server.js';
import { describeError } from '../errors.js';
import { namesForContext } from '../kubeconfig/fetch.js';
import { removeFromKubeconfig } from '../kubeconfig/write.js';
import { checkClusterName } from '../remote/cluster-request.js';
import { deleteCluster as runK3dDelete } from '../remote/k3d-cluster.js';
import { agentStep, runK3d } from './steps.js';
import type { DeleteClusterReport, DeleteClusterRequest } from './types.js';

export async function deleteCluster(request: DeleteClusterRequest): Promise<DeleteClusterReport> {
  // A name k3d would refuse costs no connection.
  checkClusterName(request.name);
  const outcome = await withDevServer(request.open, async (devServer) => {
    const k3d = await devServer.k3d();
    return runK3d(request, 'delete', (onLine) =>
      runK3dDelete(devServer.ssh, k3d, request.name, { onLine, signal: request.signal }),
    );
  });
  const removedFrom = await removeContext(request);
  // The cluster and its context are gone by now: a failing agent goes into the report, not in its place.
  const { answer: refreshed, agentFailure } = await agentStep(() => request.sessions.refresh());
  return {
    host: request.host,
    name: request.name,
    outcome,
    context: request.context,
    removedFrom,
    refreshed,
    agentFailure,
  };
}

/** Removes the cluster's context from the kubeconfig; the file when something was removed. */
async function removeContext(request: DeleteClusterRequest): Promise<string | undefined> {
  if (request.kubeconfig === undefined) return undefined;
  try {
    const result = await removeFromKubeconfig(request.kubeconfig, [namesForContext(request.context)], {
      owner: request.host,
    });
    for (const entry of result.skipped) request.onEvent({ kind: 'context-kept', entry, file: result.file });
    return result.changed ? result.file : undefined;
  } catch (error) {
    // The cluster is gone either way; a kubeconfig we cannot edit is worth a warning, not a failure.
    request.onEvent({
      kind: 'warning',
      message: `context ${request.context} not removed: ${describeError(error)}`,
    });
    return undefined;
  }
}
