// `k3d cluster create --port` specs, read and checked before anything runs (pure; throws only UsageError).
// Grammar, as tunnel accepts it: [hostIp:]hostPort:containerPort[/tcp][@nodefilter[;nodefilter…]], node
// filters as k3d v5 reads them (pkg/util/filter.go): group[:subset][:suffix], group server(s), agent(s),
// loadbalancer or all, subset 0 / 0,2 / 0-2 / *, suffix proxy (the default: through k3d's load balancer)
// or direct (published on that node itself). A filter on the loadbalancer may carry a subset and a suffix
// (k3d's own tests/test_loadbalancer.sh: `@loadbalancer:0:proxy`); k3d (pkg/client/ports.go TransformPorts)
// replaces any filter starting with "loadbalancer" by its default, so they change nothing. Stricter than k3d where k3d would pick a random host port
// (tunnel must know it) or publish UDP (SSH forwards TCP only).
import net from 'node:net';
import { UsageError } from '../errors.js';

export type NodeGroup = 'server' | 'servers' | 'agent' | 'agents' | 'loadbalancer' | 'all';
export type NodeSubset =
  | { kind: 'list'; indices: number[] }
  | { kind: 'range'; from: number | undefined; to: number | undefined }
  | { kind: 'every' };

export interface NodeFilter {
  group: NodeGroup;
  subset: NodeSubset | undefined;
  suffix: 'proxy' | 'direct' | undefined;
}

export interface PortSpec {
  /** The address the dev server publishes on; undefined = every interface (docker's default). */
  hostIp: string | undefined;
  hostPort: number;
  containerPort: number;
  /** Empty: none given, so k3d targets every server and agent through its load balancer. */
  nodeFilters: NodeFilter[];
}

export interface NodeCounts {
  servers: number;
  agents: number;
}

/** The Kubernetes NodePort range (k3s's --service-node-port-range default). */
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

const EXAMPLE =
  "Example: -p 8080:30080@server:0 publishes NodePort 30080 on the dev server's port 8080 " +
  "(through k3d's load balancer); -p 8081:80@loadbalancer reaches the ingress (Traefik).";
const FILTER_PATTERN =
  /^(server|servers|agent|agents|loadbalancer|all)(?::(\d+(?:,\d+)*,?|\d*-\d*|\*))?(?::([A-Za-z]+))?$/;

function fail(spec: string, problem: string, hint = EXAMPLE): never {
  throw new UsageError(`-p ${JSON.stringify(spec)}: ${problem}.`, hint);
}

/** One --port spec; throws UsageError naming the spec, what is wrong and an example. */
export function parsePortSpec(spec: string): PortSpec {
  const at = spec.split('@');
  if (at.length > 2) fail(spec, 'has more than one "@" (node filters are separated by ";")');
  const [mapping = '', filterText] = at;
  const nodeFilters = filterText === undefined ? [] : parseNodeFilters(spec, filterText);
  const { hostIp, hostPort, containerPort } = parseMapping(spec, mapping);
  const parsed: PortSpec = { hostIp, hostPort, containerPort, nodeFilters };
  checkContainerPort(spec, parsed);
  return parsed;
}

function parseMapping(spec: string, mapping: string) {
  const slash = mapping.indexOf('/');
  const ports = slash < 0 ? mapping : mapping.slice(0, slash);
  if (slash >= 0) checkProtocol(spec, mapping.slice(slash + 1));
  let hostIp: string | undefined;
  let rest = ports;
  if (ports.startsWith('[')) {
    const close = ports.indexOf(']');
    if (close < 0 || ports[close + 1] !== ':') fail(spec, 'has an unclosed "[" around an IPv6 address');
    hostIp = ports.slice(1, close);
    if (!net.isIPv6(hostIp)) fail(spec, `${JSON.stringify(hostIp)} is not an IPv6 address`);
    rest = ports.slice(close + 2);
  }
  const parts = rest.split(':');
  if (hostIp === undefined && parts.length === 3) {
    hostIp = parts.shift();
    if (!net.isIPv4(hostIp ?? '')) {
      fail(
        spec,
        `${JSON.stringify(hostIp)} is not an IPv4 address (an IPv6 address goes in brackets: [::1])`,
      );
    }
  }
  if (parts.length === 1) {
    fail(
      spec,
      'has no host port; k3d would pick a random one, which tunnel cannot forward by number. ' +
        'Give HOSTPORT:CONTAINERPORT',
    );
  }
  if (parts.length !== 2) fail(spec, `has too many ":"; expected [HOSTIP:]HOSTPORT:CONTAINERPORT`);
  return {
    hostIp,
    hostPort: parsePort(spec, parts[0] ?? '', 'host port'),
    containerPort: parsePort(spec, parts[1] ?? '', 'container port'),
  };
}

function checkProtocol(spec: string, protocol: string): void {
  if (protocol.toLowerCase() === 'tcp') return;
  if (['udp', 'sctp'].includes(protocol.toLowerCase())) {
    fail(spec, `is ${protocol.toUpperCase()}; tunnel forwards TCP only (SSH carries TCP)`);
  }
  fail(spec, `${JSON.stringify(protocol)} is not a protocol; use /tcp or leave it out`);
}

function parsePort(spec: string, text: string, what: string): number {
  if (/^\d+-\d*$/.test(text)) fail(spec, `the ${what} is a range (${text}); give one port per -p`);
  if (!/^\d{1,5}$/.test(text)) {
    fail(
      spec,
      text === '' ? `the ${what} is missing` : `the ${what} ${JSON.stringify(text)} is not a number`,
    );
  }
  const port = Number(text);
  if (port < 1 || port > 65535) fail(spec, `the ${what} ${text} is outside 1-65535`);
  return port;
}

function parseNodeFilters(spec: string, text: string): NodeFilter[] {
  if (text === '') fail(spec, 'has an "@" but no node filter after it');
  return text.split(';').map((filter) => parseNodeFilter(spec, filter));
}

const FILTER_HINT =
  'A node filter is group[:subset][:proxy|:direct]: server:0, server:*, agent:0,1, agent:0-2, all, loadbalancer; ' +
  'e.g. -p 8080:30080@server:0, or -p 9090:30090@agent:0:direct to publish on that node itself.';

function parseNodeFilter(spec: string, filter: string): NodeFilter {
  const match = FILTER_PATTERN.exec(filter);
  if (!match) fail(spec, `node filter ${JSON.stringify(filter)} is not valid`, FILTER_HINT);
  const group = match[1] as NodeGroup;
  const suffixText = match[3];
  if (suffixText !== undefined && suffixText !== 'proxy' && suffixText !== 'direct') {
    fail(
      spec,
      `node filter ${JSON.stringify(filter)} ends in "${suffixText}"; only :proxy or :direct`,
      FILTER_HINT,
    );
  }
  const suffix = suffixText as NodeFilter['suffix'];
  const subset = parseSubset(match[2]);
  if (group !== 'loadbalancer' && group !== 'all' && subset === undefined) {
    // k3d's own error: "unknown subset in 'server'".
    fail(
      spec,
      `node filter ${JSON.stringify(filter)} needs a subset, e.g. ${group}:0 or ${group}:*`,
      FILTER_HINT,
    );
  }
  return { group, subset, suffix };
}

function parseSubset(text: string | undefined): NodeSubset | undefined {
  if (text === undefined) return undefined;
  if (text === '*') return { kind: 'every' };
  if (text.includes('-')) {
    const [from = '', to = ''] = text.split('-');
    return {
      kind: 'range',
      from: from === '' ? undefined : Number(from),
      to: to === '' ? undefined : Number(to),
    };
  }
  return {
    kind: 'list',
    indices: text
      .split(',')
      .filter((part) => part !== '')
      .map(Number),
  };
}

/** Whether traffic reaches the port through k3d's load balancer to every node (no filter, or @loadbalancer). */
export function viaLoadBalancer(spec: PortSpec): boolean {
  return spec.nodeFilters.length === 0 || spec.nodeFilters.some((filter) => filter.group === 'loadbalancer');
}

function checkContainerPort(text: string, spec: PortSpec): void {
  const port = spec.containerPort;
  if (port === 6443) {
    fail(text, "container port 6443 is the cluster's Kubernetes API; tunnel publishes it with --api-port");
  }
  if ((port >= NODE_PORT_MIN && port <= NODE_PORT_MAX) || viaLoadBalancer(spec)) return;
  fail(
    text,
    `container port ${port} is not a NodePort (${NODE_PORT_MIN}-${NODE_PORT_MAX}). On a node, only a ` +
      'NodePort Service answers; ports outside that range work only through the load balancer, for the ' +
      'ingress (80/443, Traefik) or a LoadBalancer Service (k3s ServiceLB)',
    `Use the Service's nodePort (-p ${spec.hostPort}:30080@server:0 with nodePort: 30080 in the Service), ` +
      `or go through the load balancer: -p ${spec.hostPort}:${port}@loadbalancer`,
  );
}

/** The spec as k3d reads it; parsePortSpec(formatPortSpec(x)) equals x. */
export function formatPortSpec(spec: PortSpec): string {
  const host =
    spec.hostIp === undefined ? '' : net.isIPv6(spec.hostIp) ? `[${spec.hostIp}]:` : `${spec.hostIp}:`;
  const filters = spec.nodeFilters.map(formatNodeFilter).join(';');
  return `${host}${spec.hostPort}:${spec.containerPort}${filters === '' ? '' : `@${filters}`}`;
}

export function formatNodeFilter(filter: NodeFilter): string {
  const subset = filter.subset === undefined ? '' : `:${formatSubset(filter.subset)}`;
  return `${filter.group}${subset}${filter.suffix === undefined ? '' : `:${filter.suffix}`}`;
}

function formatSubset(subset: NodeSubset): string {
  if (subset.kind === 'every') return '*';
  if (subset.kind === 'list') return subset.indices.join(',');
  return `${subset.from ?? ''}-${subset.to ?? ''}`;
}
