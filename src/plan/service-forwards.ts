// Service forwards (issue 14), planned purely from what a cluster's API said (ClusterServices): the mapped
// forwards are annotated with the Service they reach, then every selected Service port no mapping reaches
// gets a forward through a node's address (NodePort/LoadBalancer) or the API's pod port-forward
// (services: all). Whatever cannot be forwarded is said once per cluster, in `skipped`.
import { remoteText } from '../redact.js';
import type { K3dCluster, K3dNodeAddress } from '../remote/types.js';
import type { SkippedCluster } from './forward-plan.js';
import { isWellFormed, selectionFilter } from './service-filter.js';
import { compareText, pinnedPort } from './service-ports.js';
import { emptyTally, type Tally, tallyReasons, unreachableProblem } from './service-skips.js';
import type {
  ClusterServices,
  ForwardSpec,
  ForwardVia,
  PlanOptions,
  ServiceInfo,
  ServiceSelection,
} from './types.js';

type ServicePort = ServiceInfo['ports'][number];

/** How many more Service forwards this plan may add (service-skips.ts MAX_SERVICE_FORWARDS, per session). */
export interface ServiceBudget {
  left: number;
}

interface Context {
  cluster: string;
  selection: ServiceSelection;
  options: PlanOptions;
  /** The node whose address reaches NodePorts, or why none does. */
  node: K3dNodeAddress | { problem: string };
  budget: ServiceBudget;
}

/** The cluster's forwards with its Services: mapped ones annotated, then Service forwards by ns/name/port. */
export function withServices(
  cluster: K3dCluster,
  mapped: readonly ForwardSpec[],
  options: PlanOptions & { services: ServiceSelection },
  budget: ServiceBudget,
): { forwards: ForwardSpec[]; skipped: SkippedCluster[] } {
  const catalog = options.catalogs?.get(cluster.name);
  if (catalog === undefined || catalog.error !== undefined) {
    const why = catalog?.error === undefined ? 'its API has not been read' : remoteText(catalog.error, 300);
    const reason = `Services other than the mapped ports are not forwarded: ${why}`;
    return { forwards: [...mapped], skipped: [{ cluster: cluster.name, reason }] };
  }
  // Sorted once here: annotate and servicePorts walk it in this order on every re-plan.
  const valid = catalog.services.filter(isWellFormed).sort(byName);
  const annotated = mapped.map((spec) => pinByName(annotate(spec, valid), options.services.pins));
  const reached = new Set(annotated.flatMap((spec) => (spec.kind === 'service' ? [spec.nodePort] : [])));
  const context: Context = {
    cluster: cluster.name,
    selection: options.services,
    options,
    node: chooseNode(cluster, catalog),
    budget,
  };
  const { forwards, tally } = servicePorts(valid.filter(selectionFilter(options.services)), reached, context);
  const skipped = tallyReasons(cluster.name, tally, 'problem' in context.node ? context.node.problem : '');
  const dropped = catalog.services.length - valid.length;
  if (dropped > 0) {
    const reason = `${dropped} Service(s) with malformed names or ports ignored`;
    skipped.push({ cluster: cluster.name, reason });
  }
  return { forwards: [...annotated, ...forwards], skipped };
}

/** One forward per selected TCP port no mapping reaches; `services` come sorted by namespace and name. */
function servicePorts(services: readonly ServiceInfo[], reached: ReadonlySet<number>, context: Context) {
  const tally = emptyTally();
  const forwards = new Map<string, ForwardSpec>();
  for (const service of services) {
    if (service.type === 'ExternalName') continue;
    for (const port of [...service.ports].sort((a, b) => a.port - b.port)) {
      if ((port.protocol || 'TCP').toUpperCase() !== 'TCP') tally.notTcp++;
      else if (!isReached(service, port, reached)) {
        const via = route(service, port, context, tally);
        if (via === 'no-selector') tally.noSelector.add(`${service.namespace}/${service.name}`);
        else if (via) add(forwards, toServiceSpec(service, port, via, context), context, tally);
      }
    }
  }
  return { forwards: [...forwards.values()], tally };
}

function add(forwards: Map<string, ForwardSpec>, spec: ForwardSpec, context: Context, tally: Tally): void {
  // A Service listed twice (a misbehaving API) must not give two forwards one id.
  if (forwards.has(spec.id)) return;
  if (context.budget.left <= 0) {
    tally.overLimit++;
    return;
  }
  context.budget.left--;
  forwards.set(spec.id, spec);
}

/** The first running k3d node that Kubernetes calls Ready, servers before agents, by name. */
function chooseNode(cluster: K3dCluster, catalog: ClusterServices): Context['node'] {
  const unreachable = unreachableProblem(catalog.nodeReach);
  if (unreachable !== undefined) return { problem: unreachable };
  const ready = new Set(catalog.readyNodes);
  const candidates = [...(cluster.nodes ?? [])]
    .filter((node) => node.running && ready.has(node.name))
    .sort((a, b) => (a.role === b.role ? compareText(a.name, b.name) : a.role === 'server' ? -1 : 1));
  return candidates[0] ?? { problem: 'no Ready node with an address' };
}

/** The port the dev server reaches the Service on through a node: its nodePort, or an LB's own port. */
function nodeTarget(service: ServiceInfo, port: ServicePort): number | undefined {
  if (service.type !== 'NodePort' && service.type !== 'LoadBalancer') return undefined;
  // k3s's ServiceLB publishes a LoadBalancer's port as a hostPort on every node, nodePort or not.
  return port.nodePort ?? (service.type === 'LoadBalancer' ? port.port : undefined);
}

// A mapping already reaches it: through its nodePort, or an LB's port that ServiceLB binds on the nodes.
function isReached(service: ServiceInfo, port: ServicePort, reached: ReadonlySet<number>): boolean {
  const lb = service.type === 'LoadBalancer' && reached.has(port.port);
  return (port.nodePort !== undefined && reached.has(port.nodePort)) || lb;
}

function route(
  service: ServiceInfo,
  port: ServicePort,
  context: Context,
  tally: Tally,
): { via: ForwardVia; remoteHost: string; remotePort: number } | 'no-selector' | undefined {
  const target = nodeTarget(service, port);
  const all = context.selection.mode === 'all';
  if (target !== undefined && 'address' in context.node) {
    const { node } = context;
    return { via: { kind: 'node', node: node.name }, remoteHost: node.address, remotePort: target };
  }
  if (target !== undefined && !all) {
    tally.blocked.add(`${service.namespace}/${service.name}`);
    return undefined;
  }
  if (!all) return undefined;
  if (!service.hasSelector) return 'no-selector';
  if (target !== undefined) tally.viaPod.add(`${service.namespace}/${service.name}`);
  const via: ForwardVia = {
    kind: 'pod',
    namespace: service.namespace,
    service: service.name,
    port: port.port,
  };
  return { via, remoteHost: '', remotePort: port.port };
}

function toServiceSpec(
  service: ServiceInfo,
  port: ServicePort,
  target: { via: ForwardVia; remoteHost: string; remotePort: number },
  context: Context,
): ForwardSpec {
  const spec: ForwardSpec = {
    id: `${context.cluster}/service/${service.namespace}/${service.name}:${port.port}`,
    cluster: context.cluster,
    kind: 'service',
    localAddress: context.options.bindAddress,
    localPort: port.port,
    remoteHost: target.remoteHost,
    remotePort: target.remotePort,
    // A pod forward has no nodePort (status shows none).
    nodePort: target.via.kind === 'node' ? target.remotePort : 0,
    remapped: undefined,
    service: serviceOf(service, port),
    via: target.via,
  };
  const pin = pinnedPort(spec, context.options.maps, context.selection.pins);
  if (pin === undefined || pin === port.port) return spec;
  return { ...spec, localPort: pin, remapped: { from: port.port, reason: 'pinned' } };
}

// A mapped port whose nodePort (or LoadBalancer port) a Service uses is named after it: the first by
// namespace and name (`services` come sorted).
function annotate(spec: ForwardSpec, services: readonly ServiceInfo[]): ForwardSpec {
  if (spec.kind !== 'service') return spec;
  for (const service of services) {
    for (const port of service.ports) {
      if ((port.protocol || 'TCP').toUpperCase() !== 'TCP') continue;
      const lb = service.type === 'LoadBalancer' && port.port === spec.nodePort;
      if (port.nodePort === spec.nodePort || lb) return { ...spec, service: serviceOf(service, port) };
    }
  }
  return spec;
}

// `--map NAMESPACE/NAME:PORT:LOCAL` also pins a mapped port once it is known to reach that Service.
function pinByName(spec: ForwardSpec, pins: ServiceSelection['pins']): ForwardSpec {
  const pin = spec.service && pinnedPort(spec, undefined, pins);
  if (pin === undefined || pin === spec.localPort) return spec;
  const remapped = pin === spec.remotePort ? undefined : { from: spec.remotePort, reason: 'pinned' as const };
  return { ...spec, localPort: pin, remapped };
}

function serviceOf(service: ServiceInfo, port: ServicePort): NonNullable<ForwardSpec['service']> {
  const named = { namespace: service.namespace, name: service.name, port: port.port };
  return port.name ? { ...named, portName: port.name } : named;
}

function byName(a: ServiceInfo, b: ServiceInfo): number {
  return compareText(a.namespace, b.namespace) || compareText(a.name, b.name);
}
