// One cluster the ServiceFollower (service-follow.ts) follows over the current connection: what it holds
// (API, catalog, pod streams, a pending retry), what the planner is told of it, and how it is let go.
import type { KubeApi } from '../kube/api.js';
import type { ClusterServices } from '../plan/types.js';
import type { Backoff } from '../supervisor/backoff.js';
import type { Clock, TimerHandle } from '../supervisor/ports.js';
import type { CatalogPort, PodStreamPort } from './kube-seams.js';
import type { NodeReach } from './node-reach.js';

/** One followed cluster over the current connection. */
export interface Followed {
  createdAt: string | undefined;
  reach: NodeReach;
  api?: KubeApi;
  catalog?: CatalogPort;
  pods?: Promise<PodStreamPort>;
  error?: string;
  /** While a background attempt runs: the last error, still what the plan is told. */
  retrying?: string;
  /** The timer of the next background attempt, and its delays. */
  retry?: TimerHandle;
  backoff?: Backoff;
  /** Set once its first list is read: changes before that are part of the first plan anyway. */
  started: boolean;
  stopped: boolean;
}

/**
 * What the planner gets for one followed cluster: undefined while its first list is still being read
 * (update() waits for it); an `error` entry (mapped ports only) while its API was never read on this
 * connection, a background retry included; else its catalog. Once a first list was read, a catalog that
 * relists (410 Gone, a broken watch) keeps giving the Services as last seen, so a routine relist does not
 * close every forward and announce them gone; its error is only logged (service-catalog.ts).
 */
export function plannedServices(entry: Followed): ClusterServices | undefined {
  const error = entry.error ?? entry.retrying;
  if (!entry.started && error === undefined) return undefined;
  if (!entry.started || !entry.catalog)
    return { services: [], readyNodes: [], nodeReach: entry.reach, error };
  const view = entry.catalog.current();
  return { services: view.services, readyNodes: view.readyNodes, nodeReach: entry.reach };
}

/** Ends what a followed cluster holds: its retry, its catalog, and its pod streams (their API is gone). */
export function stopFollowed(entry: Followed, clock: Clock): void {
  entry.stopped = true;
  if (entry.retry !== undefined) clock.clearTimeout(entry.retry);
  entry.catalog?.stop();
  void entry.pods?.then(
    (pods) => pods.stop(),
    () => undefined,
  );
}
