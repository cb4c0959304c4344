// Which pod a ClusterIP Service's connection goes to: its EndpointSlices (what kube-proxy routes by), read
// through the API and parsed field by field, and a pure choice of one ready pod and the port it listens on.
// Names from the API go into a URL path and into messages, so only Kubernetes-shaped names are kept.
import { TunnelError } from '../errors.js';
import { isDnsSubdomain } from '../plan/kube-names.js';
import type { KubeApi } from './api.js';
import { isFields } from './types.js';

/** One endpoint that is a pod. Endpoints of another kind (a hand-made slice) are dropped. */
export interface SliceEndpoint {
  pod: string;
  namespace: string;
  /** conditions.ready is not false (absent means ready) and the pod is not terminating. */
  ready: boolean;
}

export interface SlicePort {
  /** "" for a Service port without a name, as the API writes it. */
  name: string;
  port: number;
}

export interface EndpointSlice {
  namespace: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export interface PickedEndpoint {
  pod: string;
  namespace: string;
  /** The port the pod listens on (the Service's targetPort, resolved by the endpoints controller). */
  targetPort: number;
}

// A Service has at most a few slices of ≤100 endpoints (the controller's default); these bounds are far above.
const MAX_SLICES = 64;
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;

const list = (value: unknown, max: number): unknown[] => (Array.isArray(value) ? value.slice(0, max) : []);

function parsePorts(value: unknown): SlicePort[] {
  return list(value, MAX_PORTS).flatMap((raw) => {
    if (!isFields(raw)) return [];
    const { name, port, protocol } = raw;
    // port absent = "all ports" (a slice the controller never writes for a Service with ports): unusable.
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return [];
    if (protocol !== undefined && protocol !== 'TCP') return [];
    return [{ name: typeof name === 'string' ? name : '', port }];
  });
}

function parseEndpoint(raw: unknown, sliceNamespace: string): SliceEndpoint[] {
  if (!isFields(raw) || !isFields(raw.targetRef)) return [];
  const { kind, name, namespace = sliceNamespace } = raw.targetRef;
  // A pod name is a DNS-1123 subdomain: nothing else reaches a path or a message.
  if (kind !== 'Pod' || typeof name !== 'string' || !isDnsSubdomain(name)) return [];
  // The endpoints controller only lists pods of the Service's own namespace; a slice that points
  // elsewhere would send the forward somewhere the user did not ask for, so it is dropped.
  if (namespace !== sliceNamespace) return [];
  const conditions = isFields(raw.conditions) ? raw.conditions : {};
  return [{ pod: name, namespace, ready: conditions.ready !== false && conditions.terminating !== true }];
}

/** The `items` of an EndpointSliceList, bounded; anything malformed is dropped, never guessed at. */
export function parseEndpointSlices(body: unknown, namespace: string): EndpointSlice[] {
  if (!isFields(body) || !Array.isArray(body.items)) {
    throw new TunnelError(
      'KUBE_API',
      'Unexpected answer from the Kubernetes API: the EndpointSlice list has no "items" array.',
      {
        hint: 'tunnel reads discovery.k8s.io/v1 EndpointSlices (Kubernetes ≥ 1.21); compare with kubectl get endpointslices -A.',
      },
    );
  }
  return list(body.items, MAX_SLICES).flatMap((item) => {
    if (!isFields(item)) return [];
    return [
      {
        namespace,
        ports: parsePorts(item.ports),
        endpoints: list(item.endpoints, MAX_ENDPOINTS).flatMap((raw) => parseEndpoint(raw, namespace)),
      },
    ];
  });
}

/** The EndpointSlices of one Service (by the label the endpoints controller puts on them). */
export async function listEndpointSlices(
  api: KubeApi,
  namespace: string,
  service: string,
): Promise<EndpointSlice[]> {
  const selector = encodeURIComponent(`kubernetes.io/service-name=${service}`);
  const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/endpointslices?labelSelector=${selector}`;
  return parseEndpointSlices(await api.getJson(path), namespace);
}

export interface PickChoice {
  /** Pods that just failed: not chosen again this time. */
  avoid: ReadonlySet<string>;
  /** The pod used last: kept while it is still ready, so connections stay on one pod. */
  prefer?: string;
}

/**
 * A ready pod behind the Service port and its target port, or undefined. The slice port is the one named
 * like the Service port ("" for an unnamed one): that is how the endpoints controller names them. Among
 * several ready pods the first by name, so the same state gives the same answer.
 */
export function pickEndpoint(
  slices: readonly EndpointSlice[],
  servicePort: { name?: string; port: number },
  choice: PickChoice,
): PickedEndpoint | undefined {
  const wanted = servicePort.name ?? '';
  const candidates: PickedEndpoint[] = [];
  for (const slice of slices) {
    const port = slice.ports.find((entry) => entry.name === wanted);
    if (!port) continue;
    for (const endpoint of slice.endpoints) {
      if (!endpoint.ready || choice.avoid.has(endpoint.pod)) continue;
      candidates.push({ pod: endpoint.pod, namespace: endpoint.namespace, targetPort: port.port });
    }
  }
  const preferred = candidates.find((entry) => entry.pod === choice.prefer);
  if (preferred) return preferred;
  return candidates.sort((a, b) => (a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : a.targetPort - b.targetPort))[0];
}
