// The pure half of the service catalog (service-catalog.ts): a Service as the planner sees it, and what
// differs between two states of a cluster (a watch event, or a re-list after the watch broke).
import type { ServiceInfo } from '../plan/types.js';
import type { KubeNode, KubeService } from './types.js';

export interface CatalogChange {
  appeared: ServiceInfo[];
  left: ServiceInfo[];
  /** Present before and after, with a different type, labels, selector or ports. */
  changed: ServiceInfo[];
  /** The set of Ready nodes changed (a node's address is chosen among them). */
  nodesChanged: boolean;
}

/** Forwards per Service at most (a Service has a handful; the API sets no limit). */
export const MAX_PORTS_PER_SERVICE = 100;

export const serviceKey = (service: { namespace: string; name: string }): string =>
  `${service.namespace}/${service.name}`;

/** The planner's view of a Service; undefined for an ExternalName Service (a DNS alias, nothing to forward). */
export function serviceInfo(service: KubeService): ServiceInfo | undefined {
  if (service.type === 'ExternalName') return undefined;
  return {
    namespace: service.namespace,
    name: service.name,
    type: service.type,
    labels: service.labels,
    hasSelector: service.selector !== undefined,
    ports: service.ports.slice(0, MAX_PORTS_PER_SERVICE).map((port) => ({
      ...(port.name !== undefined ? { name: port.name } : {}),
      protocol: port.protocol,
      port: port.port,
      ...(port.nodePort !== undefined ? { nodePort: port.nodePort } : {}),
    })),
  };
}

/** Names of the Ready nodes, sorted. */
export function readyNodeNames(nodes: Iterable<KubeNode>): string[] {
  return [...nodes]
    .filter((node) => node.ready)
    .map((node) => node.name)
    .sort();
}

const same = (a: ServiceInfo, b: ServiceInfo): boolean => JSON.stringify(a) === JSON.stringify(b);

export function diffServices(
  before: ReadonlyMap<string, ServiceInfo>,
  after: ReadonlyMap<string, ServiceInfo>,
): Omit<CatalogChange, 'nodesChanged'> {
  const appeared: ServiceInfo[] = [];
  const changed: ServiceInfo[] = [];
  for (const [key, service] of after) {
    const old = before.get(key);
    if (!old) appeared.push(service);
    else if (!same(old, service)) changed.push(service);
  }
  const left = [...before].filter(([key]) => !after.has(key)).map(([, service]) => service);
  return { appeared, left, changed };
}

export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}

export const isEmptyChange = (change: CatalogChange): boolean =>
  !change.nodesChanged && change.appeared.length + change.left.length + change.changed.length === 0;
