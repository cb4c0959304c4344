// src/kube/: a minimal Kubernetes API client that reaches a cluster's API through the SSH connection (no
// local listener), and the pure NodePort checks built on it. It never opens SSH, never writes files and
// never prints. This file: the few API objects we read, checked field by field as the API returns them.
import { TunnelError } from '../errors.js';

export interface KubeServicePort {
  name: string | undefined;
  /** 'TCP' | 'UDP' | 'SCTP' (the API defaults it to TCP). */
  protocol: string;
  port: number;
  nodePort: number | undefined;
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
  ports: KubeServicePort[];
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
}

type Fields = Record<string, unknown>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function unexpected(what: string): TunnelError {
  return new TunnelError('KUBE_API', `Unexpected answer from the Kubernetes API: ${what}.`, {
    hint: 'Compare with kubectl get --raw on the dev server; tunnel expects the core v1 API of Kubernetes ≥ 1.20.',
  });
}

function fields(value: unknown, where: string): Fields {
  if (!isFields(value)) throw unexpected(`${where} is not an object`);
  return value;
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string') throw unexpected(`${where} is not a string`);
  return value;
}

function stringMap(value: unknown): Record<string, string> {
  if (!isFields(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

export function parseListPage(body: unknown, kind: string): KubeListPage {
  const list = fields(body, `the ${kind} list`);
  if (!Array.isArray(list.items)) throw unexpected(`the ${kind} list has no "items" array`);
  const token = isFields(list.metadata) ? list.metadata.continue : undefined;
  return { items: list.items, continueToken: typeof token === 'string' && token !== '' ? token : undefined };
}

function parsePort(value: unknown, where: string): KubeServicePort {
  const raw = fields(value, where);
  if (typeof raw.port !== 'number') throw unexpected(`${where} has no numeric "port"`);
  return {
    name: typeof raw.name === 'string' && raw.name !== '' ? raw.name : undefined,
    protocol: typeof raw.protocol === 'string' ? raw.protocol : 'TCP',
    port: raw.port,
    nodePort: typeof raw.nodePort === 'number' && raw.nodePort > 0 ? raw.nodePort : undefined,
    raw,
  };
}

export function parseService(value: unknown, index = 0): KubeService {
  const item = fields(value, `service #${index + 1}`);
  const metadata = fields(item.metadata, `service #${index + 1} metadata`);
  const name = text(metadata.name, `service #${index + 1} metadata.name`);
  const where = `service ${JSON.stringify(name)}`;
  const spec = fields(item.spec, `${where} spec`);
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  return {
    namespace: text(metadata.namespace, `${where} metadata.namespace`),
    name,
    type: typeof spec.type === 'string' ? spec.type : 'ClusterIP',
    resourceVersion: typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : '',
    selector:
      isFields(spec.selector) && Object.keys(spec.selector).length > 0 ? stringMap(spec.selector) : undefined,
    ports: ports.map((port, portIndex) => parsePort(port, `${where} spec.ports[${portIndex}]`)),
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
