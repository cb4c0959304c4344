// The one document that describes a session: `tunnel status --json` is a StatusDocument, and
// `connect`'s reply carries that session's SessionStatus. Documented in docs/status-json.md, checked by
// docs/status.schema.json. Plain JSON, every field present (null rather than absent) except the ones
// marked "absent from older agents", so scripts can rely on it. Additive changes keep schemaVersion;
// anything else bumps it. Part of control/'s wire: imports nothing.

export const STATUS_SCHEMA_VERSION = 1;

export interface StatusDocument {
  schemaVersion: typeof STATUS_SCHEMA_VERSION;
  agent: AgentStatus;
  sessions: SessionStatus[];
}

/** What `tunnel status --json` prints when no agent runs and no session is saved: agent is null. */
export type NoAgentDocument = Omit<StatusDocument, 'agent' | 'sessions'> & { agent: null; sessions: [] };

export function noAgentDocument(): NoAgentDocument {
  return { schemaVersion: STATUS_SCHEMA_VERSION, agent: null, sessions: [] };
}

export interface AgentStatus {
  pid: number;
  version: string;
  startedAt: string;
  socketPath: string;
  logFile: string;
}

/** needs-answer: the login needs a person (a one-time code); no retries until `tunnel connect <host>`. */
export type SessionStateName = 'connecting' | 'forwarding' | 'reconnecting' | 'needs-answer' | 'stopped';

export interface ErrorStatus {
  message: string;
  hint: string | null;
  code: string | null;
  at: string;
}

export interface SessionStatus {
  /** The alias given to `tunnel connect` (what `disconnect` takes). */
  host: string;
  /** The HostName ssh resolved it to; null before the first successful connect. */
  hostName: string | null;
  state: SessionStateName;
  /** When the session entered `state`. */
  since: string;
  /**
   * Connecting/reconnecting: when the link was lost (or the session started without one), across
   * attempts; null while forwarding or stopped. Absent from an agent older than this field.
   */
  downSince?: string | null;
  /** The attempt number while connecting/reconnecting, else null. */
  attempt: number | null;
  /** When the next connect attempt starts (reconnecting only), else null. */
  nextAttemptAt: string | null;
  /** When the current SSH connection was established (forwarding only), else null. */
  connectedAt: string | null;
  /** Connections lost after having been established. */
  reconnectCount: number;
  /** The most recent failure, kept after recovery. */
  lastError: ErrorStatus | null;
  /** k3d's version on the dev server, from the last discovery. */
  k3dVersion: string | null;
  /** When k3d's clusters were last read successfully. */
  discoveredAt: string | null;
  /**
   * The host the docker engine runs on when it is not the dev server (DOCKER_HOST=tcp://… or ssh://…, or a
   * docker context): the clusters' ports are there, reached through the dev server. Absent from older agents.
   */
  dockerHost?: string | null;
  kubeconfig: KubeconfigStatus;
  clusters: ClusterStatus[];
  /** Clusters not forwarded, with why (stopped, no API port, not selected…). */
  skipped: { cluster: string; reason: string }[];
  /** --map pins whose remote port no forwarded cluster publishes. Absent from older agents. */
  unusedMaps?: number[];
  settings: {
    clusters: string[];
    bindAddress: string;
    holdTimeoutMs: number;
    rediscoverIntervalMs: number;
    /** Which Services are forwarded beyond k3d's mappings. Absent from older agents. */
    services?: ServicesSettingStatus;
  };
  /** Which SSH implementation carries the session, and why. Absent from older agents. */
  transport?: TransportStatus;
}

/** The session's service selection (`--services`, `--namespace`, `--exclude-namespace`, `--selector`). */
export interface ServicesSettingStatus {
  mode: 'mapped' | 'nodeport' | 'all';
  namespaces: string[];
  excludeNamespaces: string[];
  selector: string | null;
}

/**
 * `kind` is the transport of the current SSH connection, or of the last one while the session is down
 * (a reconnect decides again, usually the same way). Before the first connection it is the one the
 * setting names, or null under auto (not decided yet).
 */
export interface TransportStatus {
  /** The host's setting (--transport, `tunnel config set <host> transport`, default auto). */
  setting: 'auto' | 'ssh2' | 'openssh';
  kind: 'ssh2' | 'openssh' | null;
  /** Why auto chose OpenSSH (e.g. "CertificateFile …"); null for ssh2 or a transport the user chose. */
  reason: string | null;
}

export interface KubeconfigStatus {
  mode: 'merge' | 'standalone' | 'none';
  file: string | null;
  /** The context the first write made current (--switch-context), else null. Absent from older agents. */
  switchedTo?: string | null;
  /** Clusters whose kube context could not be written, with why. Absent from older agents. */
  errors?: { cluster: string; error: string }[];
  /** Fields of k3d's kubeconfig left out of a context (bounded list). Absent from older agents. */
  dropped?: { cluster: string; context: string; path: string; reason: string }[];
  /** How many more fields were dropped than `dropped` lists. Absent from older agents. */
  moreDropped?: number;
}

export interface ClusterStatus {
  name: string;
  /** The kube context written for it, or null (none written, or --no-kubeconfig). */
  context: string | null;
  forwards: ForwardStatus[];
}

/**
 * ok: listening, and the dev-server end answered its last check.
 * holding: listening while the session is down; new connections wait for it (up to the hold timeout).
 * refused: listening, but the dev-server end did not accept a connection on its last check.
 * unbound: not listening: the local port could not be bound (see lastError).
 * stopped: the session is stopped.
 */
export type ForwardStateName = 'ok' | 'holding' | 'refused' | 'unbound' | 'stopped';

/** A Service as the cluster's API names it (untrusted text: escape it before printing). */
export interface ServiceStatus {
  namespace: string;
  name: string;
  /** The Service's own port (spec.ports[].port). */
  port: number;
  portName: string | null;
}

/**
 * host-port: a port k3d publishes on the dev server (remoteHost:remotePort). node: the node `node` at
 * `address` (= remoteHost) on the cluster's docker network, remotePort being the Service's nodePort.
 * pod: each connection is a pod port-forward through the cluster's API (remotePort = the Service port).
 */
export type ViaStatus =
  | { kind: 'host-port' }
  | { kind: 'node'; node: string; address: string }
  | { kind: 'pod' };

export interface ForwardStatus {
  id: string;
  kind: 'api' | 'service';
  state: ForwardStateName;
  localAddress: string;
  localPort: number;
  remoteHost: string;
  remotePort: number;
  /** The container port behind the mapping (6443 for the API), or null when k3d does not say. */
  nodePort: number | null;
  /** Set when the local port differs from the dev server's: why (busy, self, conflict, pinned, privileged),
   *  and for busy who holds it when that could be told (macOS: a wildcard holder such as Docker Desktop). */
  remapped: { from: number; reason: string; heldBy?: string } | null;
  /** The Service behind the forward, when known; null for the API or a mapping no Service uses.
   *  Absent from older agents. */
  service?: ServiceStatus | null;
  /** How the dev server reaches it. Absent from older agents (there: always host-port). */
  via?: ViaStatus;
  /** The last check of the dev-server end: whether a channel opened there. */
  remote: { answers: boolean | null; checkedAt: string | null; error: string | null };
  open: number;
  total: number;
  bytesIn: number;
  bytesOut: number;
  failed: number;
  held: number;
  heldTimedOut: number;
  dropped: number;
  lastError: string | null;
  lastErrorAt: string | null;
  lastActivityAt: string | null;
}
