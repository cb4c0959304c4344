// src/doctor/: `tunnel doctor`, an ordered list of checks over small injected ports (ssh, the dev server,
// this machine, the agent), so the orchestration runs on fakes in unit tests. It never changes anything:
// no known_hosts line is added, no port is bound for longer than a probe, no agent is started.
// This file: the shapes shared by the checks, the runner and the renderer.
import type { TransportSetting } from '../config/defaults.js';
import type { SessionStatus } from '../control/status-document.js';
import type { DevServer } from '../devserver/dev-server.js';
import type { TunnelError } from '../errors.js';
import type { PortOwner } from '../local/port-owner.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import type { HostKeyVerdict } from '../ssh/probe.js';
import type { SshConnection, SshTarget } from '../ssh/types.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type CheckId =
  | 'ssh-config'
  | 'transport'
  | 'reachable'
  | 'host-key'
  | 'auth'
  | 'docker'
  | 'k3d'
  | 'clusters'
  | 'local-ports'
  | 'kube-api'
  | 'nodeports'
  | 'login-item';

/** One line of the report, as `--json` prints it. `detail` may hold several lines (one per cluster, port…). */
export interface CheckResult {
  id: CheckId;
  title: string;
  status: CheckStatus;
  detail: string;
  hint: string | null;
}

export interface DoctorReport {
  host: string;
  /** No check failed (warnings and skips allowed). */
  ok: boolean;
  checks: CheckResult[];
}

export interface CheckOutcome {
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export interface LoginResult {
  /** undefined: the connection failed before the server showed its host key. */
  hostKey: HostKeyVerdict | undefined;
  /** The dev server, set when authentication succeeded; the doctor closes it. */
  devServer: DevServer | undefined;
  /** How we logged in, e.g. "publickey ED25519 SHA256:…". */
  method: string | undefined;
  error: TunnelError | undefined;
}

export interface Reachability {
  /** Where the TCP connection went, e.g. `10.0.0.5:22` or `through ProxyJump bastion`. */
  via: string;
  /** The server's SSH identification line (`SSH-2.0-OpenSSH_9.6`). */
  banner: string;
}

export type DockerEngine =
  // remote: the engine runs on another host (DOCKER_HOST/context), where the clusters' ports are.
  // minApi: the oldest client API version the engine serves (Docker 29: 1.44), when it said.
  // remote.unreachable: the SSH server cannot dial that host (an ssh config alias, a ProxyJump).
  | {
      kind: 'up';
      version: string;
      minApi?: string;
      remote?: { host: string; endpoint: string; unreachable?: { reason: string; hint: string } };
    }
  // remote on down/denied: the engine that does not answer is on that host, not the dev server.
  // shell: the login shell docker runs through, so the pasted checks run as tunnel's do.
  | { kind: 'down'; message: string; remote?: { host: string; endpoint: string }; shell?: string }
  | { kind: 'denied'; message: string; remote?: { host: string; endpoint: string }; shell?: string }
  | { kind: 'no-cli' };

/** The agent's session for this host, when one runs. */
export interface OwnSession {
  agentPid: number;
  session: SessionStatus;
}

/** The Kubernetes version answered through a local forward, with the kube context that was used. */
export interface KubeContextProbe {
  kubeconfigFile: string;
  context: string;
  /** The forward's local address, for messages. */
  address: string;
}

/** Problems of one cluster's NodePorts, already worded (one line each). */
export interface NodePortFindings {
  cluster: string;
  problems: string[];
  checked: number;
}

/** Which transport `connect` would use, why (auto only), and what ssh2 cannot do for this host. */
export interface TransportPlan {
  kind: 'ssh2' | 'openssh';
  reason: string | undefined;
  limits: string[];
}

export interface DoctorPorts {
  resolveTarget(alias: string): Promise<SshTarget>;
  transport(target: SshTarget, setting: TransportSetting): Promise<TransportPlan>;
  reach(target: SshTarget): Promise<Reachability>;
  /** Logs in as `connect` would: over OpenSSH when that is the transport, else ssh2 in probe mode. */
  login(target: SshTarget, transport: TransportPlan | undefined): Promise<LoginResult>;
  dockerEngine(devServer: DevServer): Promise<DockerEngine>;
  findK3d(devServer: DevServer): Promise<K3dInfo>;
  listClusters(devServer: DevServer): Promise<K3dCluster[]>;
  /** As connect decides it (local/port-check.ts): on macOS a holder of the wildcard address counts. */
  isPortFree(address: string, port: number): Promise<boolean>;
  /** Which local process holds the port against a listener on `address`, when this machine can tell. */
  portOwner(port: number, address: string): Promise<PortOwner | undefined>;
  /** macOS: why holders of the wildcard address could not be checked (lsof failed); undefined when they were. */
  portsUnchecked?(): Promise<string | undefined>;
  ownSession(alias: string): Promise<OwnSession | undefined>;
  /** GET /version with the kube context the session wrote; answers the gitVersion. */
  kubeVersionViaContext(probe: KubeContextProbe): Promise<string>;
  /** GET /version over an SSH channel with k3d's own kubeconfig; answers the gitVersion. */
  kubeVersionViaSsh(connection: SshConnection, k3d: K3dInfo, cluster: K3dCluster): Promise<string>;
  nodePorts(connection: SshConnection, k3d: K3dInfo, cluster: K3dCluster): Promise<NodePortFindings>;
  /** The named contexts of a kubeconfig that carry fields tunnel never writes ([] if the file is absent). */
  unsafeContexts(file: string, contexts: readonly string[]): Promise<UnsafeContext[]>;
  /** Whether `tunnel agent install`'s item would start the agent (agent/login-item-health, via cli/). */
  loginItem(): Promise<LoginItemFinding | undefined>;
}

/** The login item's state, as agent/login-item-health words it; undefined where unsupported. */
export interface LoginItemFinding {
  installed: boolean;
  file: string;
  problem?: string;
  fix?: string;
  note?: string;
}

/** What `tunnel connect` would plan with: this host's saved --cluster/--map/--bind. */
export interface PlanInput {
  clusters: string[];
  maps: Map<number, number>;
  bindAddress: string;
}

/** What the checks learn, for the checks after them. The runner guarantees a check's `needs` passed. */
/** Where `connect` would merge this host's kube contexts, and their names (none with --no-kubeconfig). */
export interface KubeconfigTarget {
  file: string;
  contextFor(cluster: string): string;
}

/** A kube context for this host carrying what tunnel never writes (an exec plugin, a file path…). */
export interface UnsafeContext {
  context: string;
  problem: string;
  hint: string;
}

export interface DoctorFacts {
  alias: string;
  plan: PlanInput;
  /** The host's transport setting (flag or `tunnel config`), default auto. */
  transportSetting?: TransportSetting;
  transport?: TransportPlan;
  kubeconfig?: KubeconfigTarget;
  target?: SshTarget;
  login?: LoginResult;
  devServer?: DevServer;
  /** What the docker check found, for the k3d check (an old k3d against a newer engine). */
  dockerEngine?: DockerEngine;
  k3d?: K3dInfo;
  clusters?: K3dCluster[];
  forwards?: ForwardSpec[];
  /** null once looked up and none runs. */
  session?: OwnSession | null;
}
