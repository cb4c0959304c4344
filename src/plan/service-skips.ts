// What the Service planner leaves out, said in a few short lines per cluster (issue 14): counts and at most
// a few names, never one line per Service (a cluster may have thousands), so `connect` and `status` stay
// readable and the JSON bounded. The long story (why a node address is unreachable) is in the log. Pure.
import { remoteText } from '../redact.js';
import type { SkippedCluster } from './forward-plan.js';
import type { ClusterServices } from './types.js';

/** Per session (per plan): keeps a large cluster's listeners and notes bounded. Not an fd limit: see docs/macos.md. */
export const MAX_SERVICE_FORWARDS = 200;
/** How many names a tally line shows before "(+N)". */
const NAMED = 3;

export interface Tally {
  /** NodePort/LoadBalancer Services (ns/name) no node reaches, not forwarded (mode nodeport). */
  blocked: Set<string>;
  /** The same, forwarded through the pod port-forward instead (mode all). */
  viaPod: Set<string>;
  notTcp: number;
  overLimit: number;
  /** Services without a selector (mode all): no pod for the API to forward to. */
  noSelector: Set<string>;
}

export function emptyTally(): Tally {
  return { blocked: new Set(), viaPod: new Set(), notTcp: 0, overLimit: 0, noSelector: new Set() };
}

/** Why no node forward: the node addresses are out of reach (with a short cause), or none is Ready. */
export function unreachableProblem(reach: ClusterServices['nodeReach']): string | undefined {
  if (reach.reachable) return undefined;
  const cause = reach.cause === undefined ? '' : ` (${remoteText(reach.cause, 60)})`;
  return `the dev server cannot reach the k3d node addresses${cause}`;
}

export function tallyReasons(cluster: string, tally: Tally, problem: string): SkippedCluster[] {
  const reasons: string[] = [];
  if (tally.blocked.size > 0) {
    reasons.push(
      `${count(tally.blocked.size, 'NodePort Service')} not forwarded: ${problem}; ` +
        'mapped ports still work, --services all reaches them through the API',
    );
  }
  if (tally.viaPod.size > 0) {
    reasons.push(
      `${count(tally.viaPod.size, 'NodePort Service')} reached through the API instead: ${problem}`,
    );
  }
  if (tally.noSelector.size > 0) {
    reasons.push(
      `${count(tally.noSelector.size, 'Service')} without a selector not forwarded (no pods to reach): ` +
        named([...tally.noSelector]),
    );
  }
  if (tally.notTcp > 0) {
    reasons.push(`${count(tally.notTcp, 'UDP/SCTP Service port')} not forwarded (SSH forwards TCP only)`);
  }
  if (tally.overLimit > 0) {
    reasons.push(
      `${count(tally.overLimit, 'more Service port')} not forwarded: at most ${MAX_SERVICE_FORWARDS} per ` +
        'session (narrow them with --namespace or --selector)',
    );
  }
  return reasons.map((reason) => ({ cluster, reason }));
}

function named(names: readonly string[]): string {
  const more = names.length - NAMED;
  return `${names.slice(0, NAMED).join(', ')}${more > 0 ? `, … (+${more})` : ''}`;
}

export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
