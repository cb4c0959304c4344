// The NodePort fix plan (pure): each unreached Service port gets a free mapped NodePort (a k3d mapping's
// container port in the NodePort range that no Service uses), deterministically; when there are fewer free
// ports than unreached Service ports, tunnel does not guess: those are explained, with what to run instead.
//
// The patch is a JSON merge patch (RFC 7386) that carries the Service's WHOLE spec.ports list, each port
// exactly as the API returned it, only nodePort changed, plus metadata.resourceVersion. Why:
// - A merge patch replaces lists: `{"spec":{"ports":[{"port":8080,"nodePort":30080}]}}` would drop every
//   other port of a multi-port Service (and the fields of this one the API does not default back).
// - A strategic merge patch would merge ports by `port`, but that key is not unique: a Service may have port
//   53 over TCP and over UDP, and the merge then hits the wrong one (a known Kubernetes limitation). The whole
//   list leaves nothing to interpretation, and what --dry-run shows is exactly what the Service becomes.
// - resourceVersion makes the API refuse (409 Conflict) if the Service changed since it was read, rather
//   than overwrite someone else's change with our copy of the list.

import { isSafeClusterName } from '../remote/k3d-parse.js';
import { pasteWord } from '../shell-word.js';
import {
  compareRefs,
  inNodePortRange,
  keyOf,
  NODE_PORT_MAX,
  NODE_PORT_MIN,
  type NodePortRow,
  type ServicePortRef,
  serviceLabel,
} from './nodeports.js';
import type { KubeService } from './types.js';

export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

export interface PortChange {
  /** Position in spec.ports. */
  index: number;
  port: number;
  portName: string | undefined;
  protocol: string;
  from: number | undefined;
  to: number;
  /** The k3d host ports that lead to `to`. */
  hostPorts: number[];
}

export interface MergePatch {
  metadata?: { resourceVersion: string };
  spec: { ports: Record<string, unknown>[] };
}

export interface ServiceFix {
  cluster: string;
  namespace: string;
  name: string;
  changes: PortChange[];
  contentType: typeof MERGE_PATCH_TYPE;
  patch: MergePatch;
}

export interface UnplannedPort {
  service: ServicePortRef;
  reason: 'shortage' | 'no-free-port';
  /** Why tunnel leaves it alone; the same words for every port of one shortage. */
  explanation: string;
  /** For a shortage: this port alone moved to the first free NodePort, if the user picks it. */
  choice: ServiceFix | undefined;
  /** The other way: map its current NodePort on the dev server (k3d re-creates the load balancer). */
  mapCommand: string | undefined;
}

export interface FixPlan {
  fixes: ServiceFix[];
  unplanned: UnplannedPort[];
}

interface FreePort {
  nodePort: number;
  hostPorts: number[];
}

/** Mapped container ports in the NodePort range that no Service uses, by their lowest host port. */
export function freeNodePorts(rows: readonly NodePortRow[]): FreePort[] {
  const byNodePort = new Map<number, number[]>();
  for (const row of rows) {
    if (row.reason !== 'nothing-on-nodeport' || !row.mapping || !inNodePortRange(row.mapping.containerPort))
      continue;
    const hostPorts = byNodePort.get(row.mapping.containerPort) ?? [];
    if (!hostPorts.includes(row.mapping.hostPort)) hostPorts.push(row.mapping.hostPort);
    byNodePort.set(row.mapping.containerPort, hostPorts);
  }
  return [...byNodePort]
    .map(([nodePort, hostPorts]) => ({ nodePort, hostPorts: hostPorts.sort((a, b) => a - b) }))
    .sort((a, b) => a.hostPorts[0]! - b.hostPorts[0]! || a.nodePort - b.nodePort);
}

export function planFixes(rows: readonly NodePortRow[], services: readonly KubeService[]): FixPlan {
  const cluster = rows[0]?.cluster ?? '';
  const candidates = rows
    .filter((row) => row.state === 'unreached' && row.service)
    .map((row) => row.service!)
    .sort(compareRefs);
  const free = freeNodePorts(rows);
  const assigned = new Map<string, FreePort>();
  // First the evident intent: `-p 8080:30080` next to a Service on port 8080. Only when that pairing is unique.
  for (const port of free) {
    const wanting = candidates.filter(
      (ref) => port.hostPorts.includes(ref.port) && !assigned.has(keyOf(ref)),
    );
    if (wanting.length === 1) assigned.set(keyOf(wanting[0]!), port);
  }
  const taken = new Set([...assigned.values()]);
  const restPorts = free.filter((port) => !taken.has(port));
  const rest = candidates.filter((ref) => !assigned.has(keyOf(ref)));
  const unplanned: UnplannedPort[] = [];
  if (rest.length <= restPorts.length) {
    for (const [index, ref] of rest.entries()) assigned.set(keyOf(ref), restPorts[index]!);
  } else {
    for (const ref of rest) unplanned.push(explain({ cluster, ref, rest, restPorts, services }));
  }
  const fixes = groupByService(cluster, candidates, assigned, services);
  return { fixes, unplanned };
}

function explain(input: {
  cluster: string;
  ref: ServicePortRef;
  rest: readonly ServicePortRef[];
  restPorts: readonly FreePort[];
  services: readonly KubeService[];
}): UnplannedPort {
  const { cluster, ref, rest, restPorts } = input;
  const clusterWord = isSafeClusterName(cluster) ? cluster : '<cluster>';
  const mapCommand =
    ref.nodePort === undefined
      ? undefined
      : `k3d cluster edit ${clusterWord} --port-add <host port>:${ref.nodePort}@server:0`;
  if (restPorts.length === 0) {
    const explanation =
      `no mapped NodePort is free: every k3d port of the cluster in ${NODE_PORT_MIN}-${NODE_PORT_MAX} ` +
      'already reaches a Service';
    return { service: ref, reason: 'no-free-port', explanation, choice: undefined, mapCommand };
  }
  const names = rest.map(serviceLabel).join(', ');
  const ports = restPorts.map((port) => port.nodePort).join(', ');
  const one = restPorts.length === 1;
  const explanation =
    `${rest.length} Service ports are not reached (${names}) but only ${restPorts.length} mapped ` +
    `NodePort${one ? ' is' : 's are'} free (${ports}): tunnel does not guess which one gets ${one ? 'it' : 'them'}`;
  const choice = groupByService(cluster, [ref], new Map([[keyOf(ref), restPorts[0]!]]), input.services)[0];
  return { service: ref, reason: 'shortage', explanation, choice, mapCommand };
}

function groupByService(
  cluster: string,
  refs: readonly ServicePortRef[],
  assigned: ReadonlyMap<string, FreePort>,
  services: readonly KubeService[],
): ServiceFix[] {
  const fixes = new Map<string, ServiceFix>();
  for (const ref of refs) {
    const target = assigned.get(keyOf(ref));
    const service = services.find((s) => s.namespace === ref.namespace && s.name === ref.name);
    if (!target || !service) continue;
    const id = `${ref.namespace}/${ref.name}`;
    const fix = fixes.get(id) ?? {
      cluster,
      namespace: ref.namespace,
      name: ref.name,
      changes: [],
      contentType: MERGE_PATCH_TYPE,
      patch: { spec: { ports: [] } },
    };
    fix.changes.push({
      index: ref.index,
      port: ref.port,
      portName: ref.portName,
      protocol: ref.protocol,
      from: ref.nodePort,
      to: target.nodePort,
      hostPorts: target.hostPorts,
    });
    fix.patch = mergePatchFor(service, fix.changes);
    fixes.set(id, fix);
  }
  return [...fixes.values()];
}

/** The whole ports list as read, with the changed nodePorts; see the comment at the top of this file. */
export function mergePatchFor(service: KubeService, changes: readonly PortChange[]): MergePatch {
  const ports = service.ports.map((port, index) => {
    const change = changes.find((candidate) => candidate.index === index);
    return change ? { ...port.raw, nodePort: change.to } : { ...port.raw };
  });
  const patch: MergePatch = { spec: { ports } };
  return service.resourceVersion
    ? { metadata: { resourceVersion: service.resourceVersion }, ...patch }
    : patch;
}

// POSIX single quotes; plain words stay bare so the command reads naturally (see pasteWord).
export function shellWord(word: string): string {
  return pasteWord(word, '<name>');
}

/** The same change as a kubectl command a user can run (with the context `tunnel connect` writes). */
export function kubectlPatchCommand(fix: ServiceFix, context: string): string {
  const words = [
    'kubectl',
    '--context',
    context,
    '-n',
    fix.namespace,
    'patch',
    'service',
    fix.name,
    '--type',
    'merge',
    '-p',
  ];
  return `${words.map(shellWord).join(' ')} ${shellWord(JSON.stringify(fix.patch))}`;
}
