// What `tunnel cluster create` asks k3d for, checked as a whole before anything runs (pure; throws only
// UsageError): the cluster name (k3d's rule), the API binding, node counts, and the --port specs against
// each other and against the nodes they name. Also the k3d argv that carries it out.
import net from 'node:net';
import { UsageError } from '../errors.js';
import {
  formatNodeFilter,
  formatPortSpec,
  type NodeCounts,
  type NodeFilter,
  type NodeSubset,
  type PortSpec,
  parsePortSpec,
} from './port-spec.js';

export interface CreateFlags {
  apiPort?: string;
  apiHost?: string;
  port?: string[];
  agents?: string;
  servers?: string;
}

export interface CreateRequest {
  name: string;
  /** Where docker binds the API on the dev server (default its loopback: the tunnel is the way in). */
  apiHost: string;
  /** undefined: tunnel picks a port free on both ends. */
  apiPort: number | undefined;
  servers: number;
  agents: number;
  ports: PortSpec[];
}

export const DEFAULT_API_HOST = '127.0.0.1';
/** k3d's DefaultClusterNameMaxLength: `k3d-<name>-server-0` must stay a valid host name. */
export const CLUSTER_NAME_MAX = 32;
const MAX_NODES = 99;
// RFC 1123 host name, as k3d's ValidateHostname (pkg/client/cluster.go HostnameRegexp).
const HOSTNAME =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])$/;

/** k3d's CheckName: an RFC 1123 host name of at most 32 characters. Returns the name. */
export function checkClusterName(name: string): string {
  const hint = 'Example: tunnel cluster create devserver my-app (letters, digits and inner "-", at most 32).';
  if (name === '') throw new UsageError('The cluster name is empty.', hint);
  if (!HOSTNAME.test(name)) {
    throw new UsageError(
      `Cluster name ${JSON.stringify(name)} is not valid: k3d accepts letters, digits, "-" inside a word ` +
        'and "." between words (an RFC 1123 host name).',
      hint,
    );
  }
  if (name.length > CLUSTER_NAME_MAX) {
    throw new UsageError(
      `Cluster name ${JSON.stringify(name)} has ${name.length} characters; k3d allows at most ${CLUSTER_NAME_MAX}.`,
      hint,
    );
  }
  return name;
}

function count(flag: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > MAX_NODES) {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a number from ${min} to ${MAX_NODES}.`,
      `Example: ${flag} ${min + 1}`,
    );
  }
  return Number(text);
}

function apiPortOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new UsageError(
      `--api-port ${JSON.stringify(text)} is not a port (1-65535).`,
      'Example: --api-port 16443 (the host goes in --api-host).',
    );
  }
  return Number(text);
}

function apiHostOf(text: string | undefined): string {
  if (text === undefined) return DEFAULT_API_HOST;
  // k3d takes an IPv4 address (or a name it resolves on the dev server); docker binds an address.
  if (!net.isIPv4(text)) {
    throw new UsageError(
      `--api-host ${JSON.stringify(text)} is not an IPv4 address of the dev server.`,
      'Example: --api-host 127.0.0.1 (the default: only the tunnel reaches the API) or --api-host 0.0.0.0.',
    );
  }
  return text;
}

/** Every flag of `cluster create`, checked together; the first problem is thrown as a UsageError. */
export function parseCreateRequest(name: string, flags: CreateFlags): CreateRequest {
  const request: CreateRequest = {
    name: checkClusterName(name),
    apiHost: apiHostOf(flags.apiHost),
    apiPort: apiPortOf(flags.apiPort),
    servers: count('--servers', flags.servers, 1, 1),
    agents: count('--agents', flags.agents, 0, 0),
    ports: [],
  };
  const texts = flags.port ?? [];
  request.ports = texts.map(parsePortSpec);
  for (const [index, text] of texts.entries()) checkNodeTargets(text, request.ports[index]!, request);
  checkHostPorts(texts, request);
  return request;
}

/** Node indices exist, ranges run forward, and a :direct mapping lands on exactly one node. */
export function checkNodeTargets(text: string, spec: PortSpec, counts: NodeCounts): void {
  const direct = new Set<string>();
  for (const filter of spec.nodeFilters) {
    const nodes = filterNodes(text, filter, counts, spec);
    if (filter.suffix === 'direct') for (const node of nodes) direct.add(node);
  }
  if (direct.size > 1) {
    throw new UsageError(
      `-p ${JSON.stringify(text)}: a :direct mapping publishes the port on one node, but the filter names ` +
        `${direct.size} (${[...direct].join(', ')}).`,
      'Name one node, e.g. -p 9090:30090@agent:0:direct, or drop :direct to go through the load balancer.',
    );
  }
}

function filterNodes(text: string, filter: NodeFilter, counts: NodeCounts, spec: PortSpec): string[] {
  if (filter.group === 'loadbalancer') return ['loadbalancer'];
  const role = filter.group.startsWith('server') ? 'server' : 'agent';
  if (filter.group === 'all') {
    return [
      ...indices(counts.servers).map((i) => `server:${i}`),
      ...indices(counts.agents).map((i) => `agent:${i}`),
    ];
  }
  const available = role === 'server' ? counts.servers : counts.agents;
  const subset = filter.subset ?? { kind: 'every' as const };
  // A range is checked by its two ends (it may be written huge), and listed only once it fits.
  const named = namedIndices(subset, available);
  // k3d would publish nothing at all for a filter that matches no node, without a word.
  const missing = named.find((index) => index >= available);
  if (missing !== undefined) {
    // Enough nodes for every index the filter names, not only the first one missing.
    const needed = Math.max(...named) + 1;
    const flag = role === 'agent' ? '--agents' : '--servers';
    throw new UsageError(
      `-p ${JSON.stringify(text)}: node filter ${formatNodeFilter(filter)} names ${role} ${missing}, but the ` +
        `cluster has ${available} ${role}${available === 1 ? '' : 's'} (numbered from 0).`,
      `Add ${role}s with ${flag} ${needed}, or target a node that exists: -p ${spec.hostPort}:${spec.containerPort}@server:0`,
    );
  }
  if (subset.kind !== 'range') return named.map((i) => `${role}:${i}`);
  const [from = 0, to = 0] = named;
  if (to < from) {
    throw new UsageError(
      `-p ${JSON.stringify(text)}: node filter ${formatNodeFilter(filter)} is a range that runs backwards.`,
      `Write it low to high, e.g. ${role}:0-${Math.max(0, available - 1)}.`,
    );
  }
  return indices(to - from + 1).map((i) => `${role}:${from + i}`);
}

/**
 * The node indices a subset names; for a range its two ends. Every node of none is node 0 (so the hint
 * asks for one); a range with no end runs to the last node (or just its start, when there are fewer).
 */
function namedIndices(subset: NodeSubset, available: number): number[] {
  if (subset.kind === 'every') return available === 0 ? [0] : indices(available);
  if (subset.kind === 'list') return subset.indices;
  const from = subset.from ?? 0;
  return [from, subset.to ?? Math.max(available - 1, from)];
}

function indices(length: number): number[] {
  return Array.from({ length: Math.max(0, length) }, (_, index) => index);
}

function overlaps(a: string | undefined, b: string | undefined): boolean {
  const wildcard = (ip: string | undefined) => ip === undefined || ip === '0.0.0.0' || ip === '::';
  return wildcard(a) || wildcard(b) || a === b;
}

/** No host port twice (docker could not bind the second), and none equal to the API port. */
function checkHostPorts(texts: readonly string[], request: CreateRequest): void {
  request.ports.forEach((spec, index) => {
    const text = texts[index] ?? '';
    const earlier = request.ports.findIndex(
      (other, at) => at < index && other.hostPort === spec.hostPort && overlaps(other.hostIp, spec.hostIp),
    );
    if (earlier >= 0) {
      throw new UsageError(
        `-p ${JSON.stringify(text)}: host port ${spec.hostPort} is already used by -p ${JSON.stringify(texts[earlier])}.`,
        'Each mapping needs its own host port on the dev server, e.g. -p 8080:30080@server:0 -p 8081:30081@server:0.',
      );
    }
    if (request.apiPort === spec.hostPort && overlaps(request.apiHost, spec.hostIp)) {
      throw new UsageError(
        `-p ${JSON.stringify(text)}: host port ${spec.hostPort} is also the API port (--api-port ${request.apiPort}).`,
        'Pick another host port for the mapping, or another --api-port.',
      );
    }
  });
}

/** The k3d argv for the request (the API port chosen by now). The dev server's kubeconfig is left alone. */
export function k3dCreateArgs(request: CreateRequest & { apiPort: number }): string[] {
  return [
    'cluster',
    'create',
    request.name,
    '--api-port',
    `${request.apiHost}:${request.apiPort}`,
    '--servers',
    String(request.servers),
    '--agents',
    String(request.agents),
    ...request.ports.flatMap((spec) => ['--port', formatPortSpec(spec)]),
    '--kubeconfig-update-default=false',
    '--kubeconfig-switch-context=false',
  ];
}
