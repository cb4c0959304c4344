// `tunnel cluster delete <host> <name>`: `k3d cluster delete` on the dev server, then the host's session
// (if one runs) drops the cluster's forwards at once, and its kube context leaves this machine's
// kubeconfig. Idempotent like k3d: a cluster that does not exist is said so, with exit code 0.
import type { Command } from 'commander';
import { contextNameFor, type SessionOptions } from '../../config/resolve.js';
import { describeError } from '../../errors.js';
import { removeFromKubeconfig } from '../../kubeconfig/write.js';
import { stderrLogger } from '../../log.js';
import { checkClusterName } from '../../remote/cluster-request.js';
import { findK3d } from '../../remote/k3d.js';
import { deleteCluster } from '../../remote/k3d-cluster.js';
import { namesForContext } from '../../session/kubeconfig-step.js';
import { connectTarget } from '../../session/session.js';
import { hostOptions } from '../connect-settings.js';
import { safeText } from '../render.js';
import { terminalInteraction } from '../terminal.js';
import { refreshAfterDelete } from './agent.js';
import { createProgress } from './progress.js';

export async function runClusterDelete(host: string, name: string, command: Command): Promise<void> {
  checkClusterName(name);
  const options = hostOptions(host, command);
  const outcome = await deleteOnServer(options, name);
  process.stdout.write(
    outcome === 'deleted'
      ? `deleted cluster ${name} on ${host}\n`
      : `${host} has no k3d cluster named ${name}; nothing to delete\n`,
  );
  const context = contextNameFor(options.contextTemplate, name, host);
  const removed = await removeContext(options, context);
  if (removed) process.stdout.write(`removed context ${safeText(context)} from ${removed}\n`);
  const refreshed = await refreshAfterDelete(host);
  if (refreshed === true && outcome === 'deleted') {
    process.stdout.write(`the session for ${host} stopped forwarding ${name}\n`);
  } else if (refreshed === false) {
    process.stdout.write(
      `the session for ${host} is not connected; it drops ${name}'s forwards when it is back\n`,
    );
  }
}

async function deleteOnServer(options: SessionOptions, name: string): Promise<'deleted' | 'not-found'> {
  const connection = await connectTarget(options, terminalInteraction(), stderrLogger(false));
  try {
    const k3d = await findK3d(connection);
    const progress = createProgress(process.stderr);
    try {
      return await deleteCluster(connection, k3d, name, { onLine: progress.line });
    } finally {
      progress.stop();
    }
  } finally {
    connection.close();
  }
}

/** Removes the cluster's context from the host's kubeconfig; the file when something was removed. */
async function removeContext(options: SessionOptions, context: string): Promise<string | undefined> {
  if (options.kubeconfig.kind === 'none') return undefined;
  try {
    const result = await removeFromKubeconfig(options.kubeconfig.file, [namesForContext(context)], {
      owner: options.alias,
    });
    for (const entry of result.skipped) {
      process.stderr.write(`note: left ${safeText(entry)} in ${result.file}: tunnel did not write it\n`);
    }
    return result.changed ? result.file : undefined;
  } catch (error) {
    // The cluster is gone either way; a kubeconfig we cannot edit is worth a warning, not a failure.
    process.stderr.write(`warning: context ${safeText(context)} not removed: ${describeError(error)}\n`);
    return undefined;
  }
}
