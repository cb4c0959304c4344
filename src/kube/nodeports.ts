// NodePort join (pure): k3d's port mappings (host port → container port = a NodePort on the nodes) against
// the cluster's Services. A mapping is served when a Service listens on that node port: a NodePort or
// LoadBalancer Service's nodePort, or a LoadBalancer Service's own port (k3s's ServiceLB opens it as a host
// port on every node, how traefik answers on 80/443). The fix planner is nodeport-fix.ts.
import { isSafeClusterName } from '../remote/k3d-parse.js';
import type { K3dCluster, PortMapping } from '../remote/types.js';
import type { KubePod, KubeService } from './types.js';

/** k3s's default --service-node-port-range. */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

export const inNodePortRange = (port: number) => port >= NODE_PORT_MIN && port <= NODE_PORT_MAX;

export interface MappingRef {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  /** `:direct`: published by a node itself rather than the serverlb. */
  direct: boolean;
}

export interface ServicePortRef {
  namespace: string;
  name: string;
  type: string;
  /** Position in spec.ports (the identity of a port: TCP and UDP may share a number). */
  index: number;
  portName: string | undefined;
  protocol: string;
  port: number;
  nodePort: number | undefined;
  /** The Service's pod selector (undefined: none), for `kubectl get pods -l …`. */
  selector: Record<string, string> | undefined;
}

/**
 * ok: mapped and served · no-service: mapped, nothing listens on that node port · no-pods: served by a Service
 * without a ready pod · unreached: a Service's NodePort no mapping reaches · fixed: unreached before --fix,
 * served after · ignored: not counted (UDP, or k3s's own kube-system Services when unmapped).
 */
export type NodePortState = 'ok' | 'no-service' | 'no-pods' | 'unreached' | 'fixed' | 'ignored';

export type NodePortReason =
  | 'nodeport'
  | 'loadbalancer'
  | 'nothing-on-nodeport'
  | 'outside-range'
  | 'other-protocol'
  | 'no-ready-pod'
  | 'not-mapped'
  | 'udp'
  | 'system';

export interface NodePortRow {
  cluster: string;
  mapping: MappingRef | undefined;
  service: ServicePortRef | undefined;
  state: NodePortState;
  reason: NodePortReason;
  note: string;
}

/** Rows the exit code counts as fine. */
export const isFine = (row: NodePortRow) =>
  row.state === 'ok' || row.state === 'fixed' || row.state === 'ignored';

const EXTERNAL_TYPES = new Set(['NodePort', 'LoadBalancer']);

export function serviceLabel(ref: Pick<ServicePortRef, 'namespace' | 'name' | 'port'>): string {
  return `${ref.namespace}/${ref.name}:${ref.port}`;
}

function portRefs(services: readonly KubeService[]): ServicePortRef[] {
  return services
    .filter((service) => EXTERNAL_TYPES.has(service.type))
    .flatMap((service) =>
      service.ports.map((port, index) => ({
        namespace: service.namespace,
        name: service.name,
        type: service.type,
        index,
        portName: port.name,
        protocol: port.protocol,
        port: port.port,
        nodePort: port.nodePort,
        selector: service.selector,
      })),
    )
    .sort(compareRefs);
}

export function compareRefs(a: ServicePortRef, b: ServicePortRef): number {
  const key = (ref: ServicePortRef) => [ref.namespace, ref.name];
  const [an, am] = key(a);
  const [bn, bm] = key(b);
  if (an !== bn) return an! < bn! ? -1 : 1;
  if (am !== bm) return am! < bm! ? -1 : 1;
  return a.index - b.index;
}

interface Served {
  ref: ServicePortRef;
  via: 'nodeport' | 'loadbalancer';
}

/** What answers on a node at `containerPort` over TCP: a nodePort first (kube-proxy), else a ServiceLB port. */
function servedAt(refs: readonly ServicePortRef[], containerPort: number): Served | undefined {
  const tcp = refs.filter((ref) => ref.protocol === 'TCP');
  const viaNodePort = tcp.find((ref) => ref.nodePort === containerPort);
  if (viaNodePort) return { ref: viaNodePort, via: 'nodeport' };
  const viaLoadBalancer = tcp.find((ref) => ref.type === 'LoadBalancer' && ref.port === containerPort);
  return viaLoadBalancer && { ref: viaLoadBalancer, via: 'loadbalancer' };
}

function toMappingRef(mapping: PortMapping): MappingRef {
  return {
    hostIp: mapping.hostIp,
    hostPort: mapping.hostPort,
    containerPort: mapping.containerPort,
    direct: mapping.nodeRole !== 'loadbalancer',
  };
}

/** Why a served Service answers nothing: its pods (undefined when no pod was listed or it has no selector). */
function podProblem(
  service: KubeService | undefined,
  pods: readonly KubePod[] | undefined,
): string | undefined {
  if (!service?.selector || !pods) return undefined;
  const selector = service.selector;
  const selected = pods.filter(
    (pod) =>
      pod.namespace === service.namespace &&
      Object.entries(selector).every(([key, value]) => pod.labels[key] === value),
  );
  if (selected.some((pod) => pod.ready)) return undefined;
  if (selected.length === 0) return 'no pod matches its selector';
  const shown = selected
    .slice(0, 2)
    .map((pod) => `${pod.name}: ${pod.phase}${pod.waitingReason ? `, ${pod.waitingReason}` : ''}`);
  return `no ready pod (${shown.join('; ')}${selected.length > 2 ? '; …' : ''})`;
}

function mappingRow(
  cluster: K3dCluster,
  mapping: PortMapping,
  context: { refs: ServicePortRef[]; services: readonly KubeService[]; pods: readonly KubePod[] | undefined },
): NodePortRow {
  const base = { cluster: cluster.name, mapping: toMappingRef(mapping) };
  const port = mapping.containerPort;
  const served = servedAt(context.refs, port);
  if (served) {
    const service = context.services.find(
      (s) => s.namespace === served.ref.namespace && s.name === served.ref.name,
    );
    const problem = podProblem(service, context.pods);
    const via = served.via === 'loadbalancer' ? 'LoadBalancer port, through k3s ServiceLB' : '';
    if (problem)
      return { ...base, service: served.ref, state: 'no-pods', reason: 'no-ready-pod', note: problem };
    return { ...base, service: served.ref, state: 'ok', reason: served.via, note: via };
  }
  const otherProtocol = context.refs.find(
    (ref) => ref.nodePort === port || (ref.type === 'LoadBalancer' && ref.port === port),
  );
  if (otherProtocol) {
    return {
      ...base,
      service: otherProtocol,
      state: 'no-service',
      reason: 'other-protocol',
      note: `${serviceLabel(otherProtocol)} uses ${port} over ${otherProtocol.protocol}; k3d maps it as TCP`,
    };
  }
  if (!inNodePortRange(port)) {
    return {
      ...base,
      service: undefined,
      state: 'no-service',
      reason: 'outside-range',
      note:
        `${port} is outside the NodePort range ${NODE_PORT_MIN}-${NODE_PORT_MAX}: only a LoadBalancer Service ` +
        `with port ${port} (through k3s ServiceLB) answers here; nothing to patch`,
    };
  }
  return {
    ...base,
    service: undefined,
    state: 'no-service',
    reason: 'nothing-on-nodeport',
    note: `no Service has nodePort ${port}: connections are accepted, then closed`,
  };
}

function unreachedRow(cluster: string, ref: ServicePortRef): NodePortRow {
  const base = { cluster, mapping: undefined, service: ref };
  if (ref.protocol !== 'TCP') {
    return {
      ...base,
      state: 'ignored',
      reason: 'udp',
      note: `${ref.protocol}: SSH forwards TCP only, tunnel cannot carry it`,
    };
  }
  if (ref.namespace === 'kube-system') {
    const target = ref.type === 'LoadBalancer' ? `${ref.port}@loadbalancer` : `${ref.nodePort}@server:0`;
    const clusterWord = isSafeClusterName(cluster) ? cluster : '<cluster>';
    return {
      ...base,
      state: 'ignored',
      reason: 'system',
      note: `k3s's own Service: not counted, never patched; to reach it: k3d cluster edit ${clusterWord} --port-add <host port>:${target}`,
    };
  }
  const what =
    ref.nodePort === undefined ? 'it has no nodePort' : `nodePort ${ref.nodePort} is not mapped by k3d`;
  return { ...base, state: 'unreached', reason: 'not-mapped', note: what };
}

/** One row per k3d mapping (in k3d's order), then one per NodePort/LoadBalancer Service port no mapping reaches. */
export function joinNodePorts(
  cluster: K3dCluster,
  services: readonly KubeService[],
  pods?: readonly KubePod[],
): NodePortRow[] {
  const refs = portRefs(services);
  const context = { refs, services, pods };
  const rows = cluster.ports.map((mapping) => mappingRow(cluster, mapping, context));
  // A LoadBalancer port reached through ServiceLB is reached, whatever its nodePort; a port a mapping names
  // over another protocol is already explained on that mapping's row.
  const reached = new Set(rows.flatMap((row) => (row.service ? [keyOf(row.service)] : [])));
  for (const ref of refs) if (!reached.has(keyOf(ref))) rows.push(unreachedRow(cluster.name, ref));
  return rows;
}

export function keyOf(ref: Pick<ServicePortRef, 'namespace' | 'name' | 'index'>): string {
  return `${ref.namespace}/${ref.name}#${ref.index}`;
}
