// src/kube/: a minimal Kubernetes API client that reaches a cluster's API through the SSH connection (no
// local listener), and the pure NodePort checks built on it. It never opens SSH, never writes files and
// never prints. This file: the few API objects we read, checked field by field as the API returns them.
import { TunnelError } from '../errors.js';
import { isDnsSubdomain, isLabelValue, isQualifiedName, isServicePortName } from '../plan/kube-names.js';
import { remoteText } from '../redact.js';

export interface KubeServicePort {
  name: string | undefined;
  /** 'TCP' | 'UDP' | 'SCTP' (the API defaults it to TCP). */
  protocol: string;
  port: number;
  nodePort: number | undefined;
  /** Where the pods listen: a number, or the name of a container port; undefined = same as port. */
  targetPort: number | string | undefined;
  /** The port object exactly as the API returned it, so a patch can carry every field unchanged. */
  raw: Record<string, unknown>;
}

export interface KubeService {
  namespace: string;
  name: string;
  /** 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName'. */
  type: string;
  resourceVersion: string;
  /** undefined: no selector (endpoints managed by hand). */
  selector: Record<string, string> | undefined;
  /** Only well-formed Kubernetes labels, at most MAX_LABELS (the rest dropped). */
  labels: Record<string, string>;
  /** The virtual IP; 'None' for a headless Service; undefined for ExternalName. */
  clusterIP: string | undefined;
  ports: KubeServicePort[];
}

export interface KubeNode {
  name: string;
  /** The Ready condition is True. */
  ready: boolean;
  internalIp: string | undefined;
}

export interface KubePod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  phase: string;
  ready: boolean;
  /** Why it is not running, when a container says (ImagePullBackOff, CrashLoopBackOff…). */
  waitingReason: string | undefined;
}

export interface KubeVersion {
  gitVersion: string;
  platform: string | undefined;
}

/** One page of a list: its items (raw) and the token for the next page, if any. */
export interface KubeListPage {
  items: unknown[];
  continueToken: string | undefined;
  /** The list's resourceVersion, where a watch of it starts. */
  resourceVersion: string;
}

/** A whole list (every page) and its resourceVersion. */
export interface KubeList<T> {
  items: T[];
  resourceVersion: string;
}

/**
 * A list read for the Service catalog: one malformed object (a name the API server would not have stored,
 * a port out of range) is counted and skipped, not allowed to hide the rest of the list.
 */
export interface KubeTolerantList<T> extends KubeList<T> {
  /** How many items did not parse. */
  rejected: number;
  /** Why the first of them did not (escaped, bounded); undefined when none was rejected. */
  firstProblem: string | undefined;
}

export type Fields = Record<string, unknown>;

export const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function unexpected(what: string): TunnelError {
  return new TunnelError('KUBE_API', `Unexpected answer from the Kubernetes API: ${what}.`, {
    hint: 'Compare with kubectl get --raw on the dev server; tunnel expects the core v1 API of Kubernetes ≥ 1.20.',
  });
}

export function fields(value: unknown, where: string): Fields {
  if (!isFields(value)) throw unexpected(`${where} is not an object`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw unexpected(`${where} is not a string`);
  return value;
}

export const MAX_LABELS = 64;

/** A name the API server would have accepted; anything else (control characters…) is refused. */
export function kubeName(value: unknown, where: string): string {
  const name = text(value, where);
  // DNS-1123 subdomain: the widest rule the API server applies to a namespace, Service or Node name.
  if (!isDnsSubdomain(name))
    throw unexpected(`${where} is not a Kubernetes name: ${JSON.stringify(remoteText(name, 80))}`);
  return name;
}

// A label key ([prefix/]name) and value, as apimachinery validates them.
const isLabel = (key: string, value: string) => isQualifiedName(key) && isLabelValue(value);

function labelMap(value: unknown): Record<string, string> {
  const entries = Object.entries(stringMap(value)).filter(([key, entry]) => isLabel(key, entry));
  return Object.fromEntries(entries.slice(0, MAX_LABELS));
}

function stringMap(value: unknown): Record<string, string> {
  if (!isFields(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/** A resourceVersion we send back in a URL: opaque, but bounded and kept to what the API server writes. */
export function resourceVersionToken(value: unknown): string {
  return typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? value : '';
}

export function parseListPage(body: unknown, kind: string): KubeListPage {
  const list = fields(body, `the ${kind} list`);
  if (!Array.isArray(list.items)) throw unexpected(`the ${kind} list has no "items" array`);
  const token = isFields(list.metadata) ? list.metadata.continue : undefined;
  const version = isFields(list.metadata) ? list.metadata.resourceVersion : undefined;
  return {
    items: list.items,
    continueToken: typeof token === 'string' && token !== '' ? token : undefined,
    resourceVersion: resourceVersionToken(version),
  };
}

function parsePort(value: unknown, where: string): KubeServicePort {
  const raw = fields(value, where);
  if (!isPort(raw.port)) throw unexpected(`${where} has no "port" between 1 and 65535`);
  return {
    // A port name is a DNS label (the API validates it); anything else is not one we show or match.
    name: typeof raw.name === 'string' && isServicePortName(raw.name) ? raw.name : undefined,
    protocol: typeof raw.protocol === 'string' ? remoteText(raw.protocol, 16) : 'TCP',
    port: raw.port,
    nodePort: isPort(raw.nodePort) ? raw.nodePort : undefined,
    targetPort: targetPort(raw.targetPort),
    raw,
  };
}

export function parseService(value: unknown, index = 0): KubeService {
  const item = fields(value, `service #${index + 1}`);
  const metadata = fields(item.metadata, `service #${index + 1} metadata`);
  const name = kubeName(metadata.name, `service #${index + 1} metadata.name`);
  const where = `service ${JSON.stringify(name)}`;
  const spec = fields(item.spec, `${where} spec`);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return {
    namespace: kubeName(metadata.namespace, `${where} metadata.namespace`),
    name,
    type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
    selector:
      isFields(spec.selector) && Object.keys(spec.selector).length > 0 ? stringMap(spec.selector) : undefined,
    labels: labelMap(metadata.labels),
    clusterIP: typeof spec.clusterIP === 'string' && spec.clusterIP !== '' ? spec.clusterIP : undefined,
    ports: ports.map((port, portIndex) => parsePort(port, `${where} spec.ports[${portIndex}]`)),
  };
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;
}

function targetPort(value: unknown): number | string | undefined {
  if (isPort(value)) return value;
  // A named port is an IANA_SVC_NAME: at most 15 lowercase letters, digits and dashes.
  if (typeof value === 'string' && /^[a-z0-9-]{1,15}$/.test(value)) return value;
  return undefined;
}

export function parseNode(value: unknown, index = 0): KubeNode {
  const item = fields(value, `node #${index + 1}`);
  const metadata = fields(item.metadata, `node #${index + 1} metadata`);
  const name = kubeName(metadata.name, `node #${index + 1} metadata.name`);
  const status = isFields(item.status) ? item.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isFields) : [];
  const addresses = Array.isArray(status.addresses) ? status.addresses.filter(isFields) : [];
  const internal = addresses.find((entry) => entry.type === 'InternalIP')?.address;
  return {
    name,
    ready: conditions.some((entry) => entry.type === 'Ready' && entry.status === 'True'),
    // Only an address that looks like one: it is shown and may be dialed by the dev server.
    internalIp: typeof internal === 'string' && /^[0-9a-fA-F.:]{2,45}$/.test(internal) ? internal : undefined,
  };
}

export function parsePod(value: unknown, index = 0): KubePod {
  const item = fields(value, `pod #${index + 1}`);
  const metadata = fields(item.metadata, `pod #${index + 1} metadata`);
  const name = text(metadata.name, `pod #${index + 1} metadata.name`);
  const status = isFields(item.status) ? item.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isFields) : [];
  const statuses = Array.isArray(status.containerStatuses) ? status.containerStatuses.filter(isFields) : [];
  const waiting = statuses
    .map((entry) =>
      isFields(entry.state) && isFields(entry.state.waiting) ? entry.state.waiting.reason : undefined,
    )
    .find((reason): reason is string => typeof reason === 'string');
  const terminating = metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null;
  return {
    namespace: text(metadata.namespace, `pod ${JSON.stringify(name)} metadata.namespace`),
    name,
    labels: stringMap(metadata.labels),
    phase: typeof status.phase === 'string' ? status.phase : 'Unknown',
    // What the endpoints controller counts: Ready=True and not being deleted.
    ready: !terminating && conditions.some((entry) => entry.type === 'Ready' && entry.status === 'True'),
    waitingReason: waiting,
  };
}

export function parseVersion(body: unknown): KubeVersion {
  const info = fields(body, 'the /version answer');
  return {
    gitVersion: text(info.gitVersion, '/version gitVersion'),
    platform: typeof info.platform === 'string' ? info.platform : undefined,
  };
}
