// Builds a session's entry of the status document (control/status-document.ts) from its supervisor
// snapshot and its last discovery. Pure: the agent calls it for status and connect; tests call it with
// plain data.
import type { SessionOptions } from '../config/resolve.js';
import type {
  ClusterStatus,
  ErrorStatus,
  ForwardStateName,
  ForwardStatus,
  KubeconfigStatus,
  ServiceStatus,
  ServicesSettingStatus,
  SessionStatus,
  TransportStatus,
  ViaStatus,
} from '../control/status-document.js';
import type { ForwardSnapshot } from '../forward/types.js';
import { compareText } from '../plan/service-ports.js';
import type { ForwardService, ForwardSpec, ServiceSelection } from '../plan/types.js';
import type { TransportInfo } from '../ssh/types.js';
import type { SessionError, SessionSnapshot } from '../supervisor/state.js';
import type { KubeconfigReport } from './kubeconfig-step.js';

export interface StatusInput {
  options: SessionOptions;
  snapshot: SessionSnapshot;
  hostName: string | undefined;
  k3dVersion: string | undefined;
  discoveredAt: string | undefined;
  /** The docker engine's host when it is not the dev server. */
  dockerHost?: string | undefined;
  kubeconfig: KubeconfigReport;
  skipped: { cluster: string; reason: string }[];
  /** --map pins whose remote port no forwarded cluster publishes. */
  unusedMaps: number[];
  /** Forwards whose local port could not be bound on the last apply. */
  failed: { spec: ForwardSpec; error: string }[];
  /** The transport of the current or last SSH connection; absent before the first. */
  transport?: TransportInfo;
}

function errorStatus(error: SessionError | undefined): ErrorStatus | null {
  if (!error) return null;
  return { message: error.message, hint: error.hint ?? null, code: error.code ?? null, at: error.at };
}

function forwardState(
  forward: ForwardSnapshot,
  sessionState: SessionSnapshot['state']['kind'],
): ForwardStateName {
  if (forward.state === 'stopped' || sessionState === 'stopped') return 'stopped';
  if (sessionState !== 'forwarding') return 'holding';
  return forward.stats.remoteAnswers === false ? 'refused' : 'ok';
}

function forwardStatus(
  spec: ForwardSpec,
  state: ForwardStateName,
  forward: ForwardSnapshot | undefined,
  unbound?: { error: string; at: string | undefined },
): ForwardStatus {
  const stats = forward?.stats;
  return {
    id: spec.id,
    kind: spec.kind,
    state,
    localAddress: spec.localAddress,
    localPort: spec.localPort,
    remoteHost: spec.remoteHost,
    remotePort: spec.remotePort,
    nodePort: Number.isInteger(spec.nodePort) && spec.nodePort > 0 ? spec.nodePort : null,
    remapped: spec.remapped ? remappedStatus(spec.remapped) : null,
    service: spec.service ? serviceStatus(spec.service) : null,
    via: viaStatus(spec),
    remote: {
      answers: stats?.remoteAnswers ?? null,
      checkedAt: stats?.remoteCheckedAt ?? null,
      error: stats?.remoteError ?? null,
    },
    open: stats?.open ?? 0,
    total: stats?.total ?? 0,
    bytesIn: stats?.bytesIn ?? 0,
    bytesOut: stats?.bytesOut ?? 0,
    failed: stats?.failed ?? 0,
    held: stats?.held ?? 0,
    heldTimedOut: stats?.heldTimedOut ?? 0,
    dropped: stats?.dropped ?? 0,
    lastError: unbound?.error ?? stats?.lastError ?? null,
    lastErrorAt: unbound ? (unbound.at ?? null) : (stats?.lastErrorAt ?? null),
    lastActivityAt: stats?.lastActivityAt ?? null,
  };
}

function clustersOf(input: StatusInput): ClusterStatus[] {
  const kind = input.snapshot.state.kind;
  // Grouped by the spec's cluster, never by parsing the id: a cluster name may itself contain '/'.
  const rows: { cluster: string; row: ForwardStatus }[] = [
    ...input.snapshot.forwards.map((forward) => ({
      cluster: forward.spec.cluster,
      row: forwardStatus(forward.spec, forwardState(forward, kind), forward),
    })),
    // The bind failed during the last apply, which follows the last discovery.
    ...input.failed.map(({ spec, error }) => ({
      cluster: spec.cluster,
      row: forwardStatus(spec, 'unbound', undefined, { error, at: input.discoveredAt }),
    })),
  ];
  const names = [...new Set(rows.map((entry) => entry.cluster))];
  return names.sort().map((name) => ({
    name,
    context: input.kubeconfig.contexts.find((entry) => entry.cluster === name)?.context ?? null,
    forwards: rows
      .filter((entry) => entry.cluster === name)
      .map((entry) => entry.row)
      .sort(compareForwards),
  }));
}

function kubeconfigStatus(report: KubeconfigReport): KubeconfigStatus {
  return {
    mode: report.mode,
    file: report.file ?? null,
    switchedTo: report.switchedTo ?? null,
    errors: report.errors,
    dropped: report.dropped,
    moreDropped: report.moreDropped ?? 0,
  };
}

function transportStatus(options: SessionOptions, connection: TransportInfo | undefined): TransportStatus {
  const setting = options.transport;
  if (connection) return { setting, kind: connection.kind, reason: connection.reason ?? null };
  return { setting, kind: setting === 'auto' ? null : setting, reason: null };
}

export function sessionStatus(input: StatusInput): SessionStatus {
  const { snapshot, options } = input;
  const state = snapshot.state;
  return {
    host: options.alias,
    hostName: input.hostName ?? null,
    state: state.kind,
    since: snapshot.since,
    downSince: snapshot.downSince ?? null,
    attempt: state.kind === 'connecting' || state.kind === 'reconnecting' ? state.attempt : null,
    nextAttemptAt: state.kind === 'reconnecting' ? state.nextAttemptAt : null,
    connectedAt: state.kind === 'forwarding' ? state.connectedAt : null,
    reconnectCount: snapshot.reconnectCount,
    lastError: errorStatus(snapshot.lastError),
    k3dVersion: input.k3dVersion ?? null,
    discoveredAt: input.discoveredAt ?? null,
    dockerHost: input.dockerHost ?? null,
    kubeconfig: kubeconfigStatus(input.kubeconfig),
    clusters: clustersOf(input),
    skipped: input.skipped,
    unusedMaps: input.unusedMaps,
    settings: {
      clusters: [...options.clusters],
      bindAddress: options.bindAddress,
      holdTimeoutMs: options.holdTimeoutMs,
      rediscoverIntervalMs: options.rediscoverIntervalMs,
      services: servicesSettingStatus(options.services),
    },
    transport: transportStatus(options, input.transport),
  };
}

function remappedStatus(remapped: NonNullable<ForwardSpec['remapped']>): ForwardStatus['remapped'] {
  const { from, reason, heldBy } = remapped;
  return heldBy === undefined ? { from, reason } : { from, reason, heldBy };
}

function serviceStatus(service: ForwardService): ServiceStatus {
  const { namespace, name, port, portName } = service;
  return { namespace, name, port, portName: portName ?? null };
}

function viaStatus(spec: ForwardSpec): ViaStatus {
  const via = spec.via;
  if (via?.kind === 'node') return { kind: 'node', node: via.node, address: spec.remoteHost };
  if (via?.kind === 'pod') return { kind: 'pod' };
  return { kind: 'host-port' };
}

function servicesSettingStatus(services: ServiceSelection): ServicesSettingStatus {
  return {
    mode: services.mode,
    namespaces: [...services.namespaces],
    excludeNamespaces: [...services.excludeNamespaces],
    selector: services.selector ?? null,
  };
}

/** The API first, then k3d's mappings by port, then the other Services by namespace, name and port. */
function compareForwards(a: ForwardStatus, b: ForwardStatus): number {
  if (a.kind !== b.kind) return a.kind === 'api' ? -1 : 1;
  const rank = (row: ForwardStatus) => (row.via?.kind === 'node' || row.via?.kind === 'pod' ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (rank(a) === 0 || !a.service || !b.service) return a.remotePort - b.remotePort;
  return (
    compareText(a.service.namespace, b.service.namespace) ||
    compareText(a.service.name, b.service.name) ||
    a.service.port - b.service.port
  );
}
