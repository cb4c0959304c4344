// Pure reading of one node object of k3d's cluster JSON: role, state, `portMappings` (docker's
// HostConfig.PortBindings as k3d requested them) and the server's kubeAPI binding. Used by k3d-parse.ts.
import { TunnelError } from '../errors.js';
import { escapeControls, remoteText } from '../redact.js';
import type { NodeRole, PortMapping } from './types.js';

export interface RawNode {
  name: string;
  role: NodeRole;
  running: boolean;
  /** Every binding with a usable host port, any protocol; isApi is decided by the cluster parser. */
  mappings: PortMapping[];
  /** serverOpts.kubeAPI.Binding of a server node, when it names a host port. */
  kubeApi: PortMapping | undefined;
  created: string | undefined;
  /** `IP.IP` as k3d printed it (the address on the cluster's docker network); validated by k3d-node-address.ts. */
  ip: unknown;
}

const OUTPUT_HINT =
  'Run "k3d cluster list -o json" on the dev server to see the raw output; tunnel supports k3d v5.x.';

export function unexpected(what: string): TunnelError {
  return new TunnelError('K3D_OUTPUT', `Unexpected output from k3d: ${what}`, { hint: OUTPUT_HINT });
}

export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${remoteText(JSON.stringify(value.slice(0, 40)))}`;
  return `${typeof value} ${String(value).slice(0, 40)}`;
}

/** A remote-supplied name made safe to print: quoted, escapes visible, bounded length. */
export function quote(name: string): string {
  const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
  // JSON escapes C0 controls only: C1 and bidi controls are escaped too.
  return escapeControls(JSON.stringify(shown));
}

const ROLES: readonly NodeRole[] = ['server', 'agent', 'loadbalancer', 'registry'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseNode(raw: unknown, index: number, where: string, warnings: string[]): RawNode {
  if (!isRecord(raw))
    throw unexpected(`${where}: node #${index + 1} is ${describeJson(raw)}, expected an object`);
  if (typeof raw.name !== 'string' || raw.name === '')
    throw unexpected(`${where}: node #${index + 1} has no "name"`);
  const name = raw.name;
  const nodeWhere = `${where}, node ${quote(name)}`;
  if (raw.role !== undefined && typeof raw.role !== 'string') {
    throw unexpected(`${nodeWhere}: "role" is ${describeJson(raw.role)}, expected a string`);
  }
  // k3d omits role for helper containers such as k3d-<name>-tools.
  const role = ROLES.find((known) => known === raw.role) ?? 'unknown';
  const running = isRecord(raw.State) && raw.State.Running === true;
  // RFC3339Nano; a re-created cluster has new containers, hence a new value (and new certificates).
  const created = typeof raw.created === 'string' ? raw.created : undefined;
  const base = { nodeName: name, nodeRole: role, isApi: false };
  const mappings = parsePortMappings(raw.portMappings, nodeWhere, warnings).map((m) => ({ ...m, ...base }));
  const binding = role === 'server' ? parseKubeApiBinding(raw.serverOpts, nodeWhere) : undefined;
  const kubeApi = binding && { ...binding, ...base, containerPort: 6443, protocol: 'tcp' as const };
  const ip = isRecord(raw.IP) ? raw.IP.IP : undefined;
  return { name, role, running, mappings, kubeApi, created, ip };
}

type Binding = Pick<PortMapping, 'hostIp' | 'hostPort'>;
type Mapping = Pick<PortMapping, 'containerPort' | 'protocol' | 'hostIp' | 'hostPort'>;

function parsePortMappings(value: unknown, where: string, warnings: string[]): Mapping[] {
  // omitempty: absent when the node publishes nothing.
  if (value === undefined || value === null) return [];
  if (!isRecord(value))
    throw unexpected(`${where}: "portMappings" is ${describeJson(value)}, expected an object`);
  const mappings: Mapping[] = [];
  for (const [key, bindings] of Object.entries(value)) {
    const { containerPort, protocol } = parsePortKey(key, where);
    const keyWhere = `${where}: port mapping ${JSON.stringify(key)}`;
    // docker writes `"80/tcp": null` for an exposed but unpublished port.
    if (bindings === null) continue;
    if (!Array.isArray(bindings))
      throw unexpected(`${keyWhere} is ${describeJson(bindings)}, expected a list`);
    for (const binding of bindings) {
      const parsed = parseBinding(binding, keyWhere, warnings);
      if (parsed) mappings.push({ containerPort, protocol, ...parsed });
    }
  }
  return mappings;
}

// "30080/tcp" from --port, "6443" (no protocol) for the API binding k3d adds itself.
function parsePortKey(key: string, where: string): Pick<PortMapping, 'containerPort' | 'protocol'> {
  const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
  const containerPort = Number(match?.[1]);
  if (!match || containerPort < 1 || containerPort > 65535) {
    throw unexpected(`${where}: port mapping key ${JSON.stringify(key)} is not a port`);
  }
  return { containerPort, protocol: (match[2] as PortMapping['protocol'] | undefined) ?? 'tcp' };
}

function parseBinding(binding: unknown, where: string, warnings: string[]): Binding | undefined {
  if (!isRecord(binding))
    throw unexpected(`${where}: a binding is ${describeJson(binding)}, expected an object`);
  const hostIp = binding.HostIp ?? '';
  if (typeof hostIp !== 'string')
    throw unexpected(`${where}: HostIp is ${describeJson(hostIp)}, expected a string`);
  const text = binding.HostPort ?? '';
  if (typeof text !== 'string')
    throw unexpected(`${where}: HostPort is ${describeJson(text)}, expected a string`);
  if (text === '' || text === '0') {
    warnings.push(`${where} has no host port (docker picks one when the node starts); not forwarded`);
    return undefined;
  }
  if (/^\d+-\d+$/.test(text)) {
    warnings.push(`${where} has the host port range ${text} (docker picks one); not forwarded`);
    return undefined;
  }
  const hostPort = Number(text);
  if (!/^\d{1,5}$/.test(text) || hostPort < 1 || hostPort > 65535) {
    throw unexpected(`${where}: HostPort ${JSON.stringify(text)} is not a port number`);
  }
  return { hostIp, hostPort };
}

// serverOpts.kubeAPI = {Port, Binding: {HostIp, HostPort}, host}, filled from labels on server nodes.
function parseKubeApiBinding(serverOpts: unknown, where: string): Binding | undefined {
  if (!isRecord(serverOpts) || !isRecord(serverOpts.kubeAPI) || !isRecord(serverOpts.kubeAPI.Binding)) {
    return undefined;
  }
  const { HostIp, HostPort } = serverOpts.kubeAPI.Binding;
  if (HostPort === undefined || HostPort === '') return undefined;
  const hostPort = Number(HostPort);
  if (typeof HostPort !== 'string' || !/^\d{1,5}$/.test(HostPort) || hostPort < 1 || hostPort > 65535) {
    throw unexpected(
      `${where}: serverOpts.kubeAPI.Binding.HostPort ${JSON.stringify(HostPort)} is not a port number`,
    );
  }
  return { hostIp: typeof HostIp === 'string' ? HostIp : '', hostPort };
}
