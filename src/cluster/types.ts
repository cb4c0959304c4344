// What `tunnel cluster create|delete` and `tunnel clusters` ask for (requests), tell while they work
// (events, for the progress display) and answer (reports, printed as text or --json). Plain data.
import type { OpenDevServer } from '../devserver/with-dev-server.js';
import type { CreateRequest } from '../remote/cluster-request.js';
import type { K3dCluster } from '../remote/types.js';

export type ClusterEvent =
  /** Something the user should know before k3d runs (an exposed API, a port a stopped cluster shares). */
  | { kind: 'warning'; message: string }
  | { kind: 'k3d-started'; command: 'create' | 'delete' }
  /** One INFO/WARN step of k3d, escaped and bounded (remoteText); its other lines are not shown. */
  | { kind: 'k3d-progress'; message: string }
  /** k3d ended (success or not): the progress display stops. */
  | { kind: 'k3d-finished' }
  /** An entry of the kubeconfig that tunnel did not write, so a delete left it there. */
  | { kind: 'context-kept'; entry: string; file: string };

/**
 * The agent, as cluster create/delete need it; the CLI implements it over control/ (cluster/ never talks
 * to the agent itself). `Forwarded` is what the agent answered, passed through to the report untouched.
 */
export interface ClusterSessions<Forwarded> {
  /** --connect: the host's session re-reads k3d now, or a new session starts with the host's options. */
  forward(cluster: string): Promise<Forwarded>;
  /** The running session's rediscovery interval; undefined when none runs (never starts the agent). */
  rediscoverIntervalMs(): Promise<number | undefined>;
  /** After a delete: the session re-reads k3d now (true), is not connected (false), or none runs. */
  refresh(): Promise<boolean | undefined>;
}

export interface CreateClusterRequest<Forwarded> {
  /** The host as the user named it (for messages). */
  host: string;
  cluster: CreateRequest;
  /** The local address forwards listen on (the host's `bind` setting): its ports must be free too. */
  bindAddress: string;
  /** --connect: have the agent forward the new cluster. */
  connect: boolean;
  open: OpenDevServer;
  sessions: ClusterSessions<Forwarded>;
  signal?: AbortSignal;
  onEvent: (event: ClusterEvent) => void;
}

/**
 * An agent step that failed after k3d had done its part: the cluster exists (or is gone) either way, so
 * the report is still worth printing; the CLI prints it, then this, and exits 1.
 */
export interface AgentFailure {
  message: string;
  hint: string | undefined;
  /** The user interrupted it (Ctrl-C): exit 130 rather than 1. */
  interrupted: boolean;
}

export interface CreateClusterReport<Forwarded> {
  host: string;
  k3d: { version: string | null; path: string };
  cluster: CreateRequest & { apiPort: number };
  warnings: string[];
  /** What the agent did (--connect only). */
  forward: Forwarded | undefined;
  /** --connect: the agent could not forward the new cluster (forward is undefined then). */
  agentFailure: AgentFailure | undefined;
  /** Without --connect: the running session's rediscovery interval (it picks the cluster up then). */
  rediscoverIntervalMs: number | undefined;
}

export interface DeleteClusterRequest {
  host: string;
  name: string;
  /** The context the cluster has in this machine's kubeconfig; kubeconfig undefined = --no-kubeconfig. */
  context: string;
  kubeconfig: string | undefined;
  open: OpenDevServer;
  sessions: Pick<ClusterSessions<unknown>, 'refresh'>;
  signal?: AbortSignal;
  onEvent: (event: ClusterEvent) => void;
}

export interface DeleteClusterReport {
  host: string;
  name: string;
  outcome: 'deleted' | 'not-found';
  context: string;
  /** The kubeconfig the context was removed from; undefined when nothing was removed. */
  removedFrom: string | undefined;
  /** The agent's answer to refresh(). */
  refreshed: boolean | undefined;
  /** refresh() failed: the session may still forward the deleted cluster until its next discovery. */
  agentFailure: AgentFailure | undefined;
}

export interface ClustersRequest {
  host: string;
  open: OpenDevServer;
  signal?: AbortSignal;
}

/** `tunnel clusters --json`. */
export interface ClustersReport {
  host: string;
  k3d: { version: string | undefined; k3s: string | undefined; path: string };
  clusters: K3dCluster[];
}
