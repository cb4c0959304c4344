// One cluster's NodePort check through its API: read Services and Pods, join with k3d's mappings, plan the
// fixes; with 'dry-run' let the API server validate each patch without storing it (?dryRun=All); with 'fix'
// apply them, then read again and confirm from what the API now says. Never prints.
import { describeError, isTunnelError } from '../errors.js';
import type { K3dCluster } from '../remote/types.js';
import type { KubeApi } from './api.js';
import { type FixPlan, planFixes, type ServiceFix } from './nodeport-fix.js';
import { isFine, joinNodePorts, keyOf, type NodePortRow } from './nodeports.js';

export type NodePortMode = 'check' | 'dry-run' | 'fix';

export interface ErrorInfo {
  message: string;
  hint: string | undefined;
}

export interface FixResult {
  fix: ServiceFix;
  /** dry-run: the API server accepted the patch (server-side dry run); fix: it was stored. */
  accepted: boolean;
  /** fix only: after re-reading, every changed port is reached through its new NodePort. */
  confirmed: boolean;
  error: ErrorInfo | undefined;
}

export interface ClusterNodePorts {
  cluster: string;
  /** After --fix, the rows as read again. */
  rows: NodePortRow[];
  plan: FixPlan;
  results: FixResult[];
  /** Every mapping served, every counted Service port reached (or fixed), every patch applied. */
  healthy: boolean;
}

export function errorInfo(error: unknown): ErrorInfo {
  return { message: describeError(error), hint: isTunnelError(error) ? error.hint : undefined };
}

async function read(api: KubeApi, cluster: K3dCluster) {
  const [services, pods] = await Promise.all([api.listServices(), api.listPods()]);
  return { services, rows: joinNodePorts(cluster, services, pods) };
}

export async function checkNodePorts(
  api: KubeApi,
  cluster: K3dCluster,
  mode: NodePortMode,
): Promise<ClusterNodePorts> {
  const before = await read(api, cluster);
  const plan = planFixes(before.rows, before.services);
  if (mode === 'check') return outcome(cluster.name, before.rows, plan, []);
  const results: FixResult[] = [];
  for (const fix of plan.fixes) {
    try {
      await api.patchService(fix.namespace, fix.name, fix.patch, { dryRun: mode === 'dry-run' });
      results.push({ fix, accepted: true, confirmed: false, error: undefined });
    } catch (error) {
      results.push({ fix, accepted: false, confirmed: false, error: errorInfo(error) });
    }
  }
  if (mode === 'dry-run' || results.every((result) => !result.accepted)) {
    return outcome(cluster.name, before.rows, plan, results);
  }
  const after = await read(api, cluster);
  return outcome(cluster.name, markFixed(after.rows, results), plan, results);
}

/** Rows served through a NodePort a stored fix moved them to become 'fixed'; results learn whether they are. */
function markFixed(rows: NodePortRow[], results: FixResult[]): NodePortRow[] {
  const moved = new Map<string, { from: number | undefined; to: number; result: FixResult }>();
  for (const result of results.filter((entry) => entry.accepted)) {
    for (const change of result.fix.changes) {
      moved.set(keyOf({ ...result.fix, index: change.index }), { from: change.from, to: change.to, result });
    }
  }
  const marked = rows.map((row) => {
    const change = row.service && moved.get(keyOf(row.service));
    if (!change || row.state !== 'ok' || row.mapping?.containerPort !== change.to) return row;
    const from = change.from === undefined ? 'none' : String(change.from);
    return { ...row, state: 'fixed' as const, note: `nodePort ${from} → ${change.to} (patched)` };
  });
  for (const result of results.filter((entry) => entry.accepted)) {
    result.confirmed = result.fix.changes.every((change) =>
      marked.some(
        (row) =>
          row.service &&
          keyOf(row.service) === keyOf({ ...result.fix, index: change.index }) &&
          row.mapping?.containerPort === change.to,
      ),
    );
  }
  return marked;
}

function outcome(
  cluster: string,
  rows: NodePortRow[],
  plan: FixPlan,
  results: FixResult[],
): ClusterNodePorts {
  const patched = results.every((result) => result.error === undefined);
  return { cluster, rows, plan, results, healthy: patched && rows.every(isFine) };
}
