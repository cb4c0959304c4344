// Types of world.mjs (plain JS so the stand-ins and the daemon run on bare node); index.ts imports through them.

/** A `--port [hostIp:]hostPort:containerPort[/protocol]@nodeFilter` mapping. */
export interface ScenarioPort {
  /** Docker's HostIp: '' (default) = all interfaces, or e.g. '127.0.0.1'. */
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  protocol?: 'tcp' | 'udp';
  /** k3d node filter, e.g. 'server:0' (via serverlb) or 'server:0:direct' (on the node). */
  nodeFilter?: string;
}

export interface ScenarioServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol?: 'TCP' | 'UDP';
}

export interface ScenarioService {
  namespace?: string;
  name: string;
  /** Default: NodePort when a nodePort is given (here or on a port), else ClusterIP. */
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /** Single-port shorthand; use `ports` for several. */
  port?: number;
  targetPort?: number | string;
  nodePort?: number;
  ports?: ScenarioServicePort[];
  /** Default { app: name }. */
  selector?: Record<string, string>;
  labels?: Record<string, string>;
  clusterIp?: string;
}

export interface ScenarioPod {
  namespace?: string;
  name: string;
  phase?: 'Running' | 'Pending' | 'Succeeded' | 'Failed';
  ready?: boolean;
  restarts?: number;
  /** Node name suffix, e.g. 'agent-0'. */
  node?: string;
  /** Default { app: <name without the ReplicaSet hash and pod suffix> }. */
  labels?: Record<string, string>;
  containers?: number;
  image?: string;
  /** The first container's declared ports (a Service's named targetPort resolves through them). */
  ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[];
  /** Waiting reason of a Pending pod, e.g. 'ImagePullBackOff'. */
  reason?: string;
}

/** Node names, or suffixes such as 'agent-0', that a fault applies to. */
export interface ScenarioImageImport {
  /** ctr prints "content digest sha256:…: not found" (k3d issue #1538) but the image lands: harmless noise. */
  digestNoise?: string[];
  /** k3d says "Successfully imported" yet the node has no image, and nothing is printed. */
  silentlyMissing?: string[];
  /** ctr fails for another reason (no space left on device): a real ERRO line, image missing. */
  failing?: string[];
  /** A direct `docker exec -i <node> ctr -n k8s.io images import -` fails too. */
  directImportFails?: string[];
  /** The tools node cannot be created (rootless Podman, k3d run without DOCKER_SOCK, k3d #84/#1052): exit 1. */
  toolsNodeFails?: boolean;
  /** Removing the tools node fails after a good import: an ERRO from cleanup only, exit 0. */
  cleanupFails?: boolean;
  /** Direct mode (v5.2–v5.3's auto default, or --mode direct): ctr fails in these nodes after reading the
   * whole stream (a mid-stream failure would hang k3d instead), the others import. */
  streamFails?: string[];
}

export interface ScenarioCluster {
  name: string;
  servers?: number;
  agents?: number;
  running?: boolean;
  /** Fault: its ports accept connections but never answer. */
  paused?: boolean;
  apiPort: number;
  /** `--api-port HOST:PORT` bind IP; default 0.0.0.0. */
  apiHostIp?: string;
  /** Kubeconfig host (label k3d.server.api.host); default = apiHostIp. */
  apiHost?: string;
  noLb?: boolean;
  token?: string;
  /** false: no k3s add-ons (coredns, traefik…) in kube-system. */
  defaults?: boolean;
  ports?: ScenarioPort[];
  services?: ScenarioService[];
  /** Default: one ready pod per scenario Service. */
  pods?: ScenarioPod[];
  /** Faults of `k3d image import` / `docker exec <node> ctr images import` (k3d-image.mjs). */
  imageImport?: ScenarioImageImport;
  /**
   * Fault: a hostile `k3d kubeconfig get` (a compromised server, a co-tenant's k3d on PATH). Fields added
   * to (or replacing) the cluster / user / context sections k3d prints; a field set to null is left out.
   */
  kubeconfigInject?: {
    cluster?: Record<string, unknown>;
    user?: Record<string, unknown>;
    context?: Record<string, unknown>;
  };
  /**
   * Node containers stopped while the cluster runs (name suffixes: 'server-1'), as `docker stop` would leave
   * them: k3d lists them not running (serversRunning 2/3); the serverlb keeps serving the API and ports from
   * the servers still up. Never the loadbalancer or, with noLb, server-0: their listeners stay in the simulator.
   */
  stoppedNodes?: string[];
}

export interface Scenario {
  description?: string;
  k3dVersion?: string;
  k3sVersion?: string;
  /** false: the docker engine is down (docker and k3d fail to reach it). */
  engineRunning?: boolean;
  /**
   * Where the engine listens (default unix:///var/run/docker.sock), e.g. rootless docker's
   * unix:///run/user/1000/docker.sock: docker and k3d reach it only when DOCKER_HOST says so.
   */
  engineHost?: string;
  clusters: ScenarioCluster[];
  /** The engine's version (`docker version` Server.Version), e.g. '29.0.1'; default 28.5.1. */
  dockerVersion?: string;
  /** The engine's API version (Server.ApiVersion), e.g. '1.52' for Docker 29.0; default 1.51. */
  dockerApiVersion?: string;
  /**
   * The oldest client API the engine serves (Server.MinAPIVersion): '1.24' until Docker 28, '1.44' from
   * Docker 29, which refuses k3d <= v5.6.0 (its vendored client speaks 1.43) with "client version 1.43 is too old".
   */
  dockerMinApiVersion?: string;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** One docker container of a cluster, as `docker inspect` would describe it. */
export interface DockerNode {
  id: string;
  name: string;
  role: 'server' | 'agent' | 'loadbalancer';
  image: string;
  imageName: string;
  created: string;
  env: string[];
  cmd: string[] | null;
  binds: string[];
  portBindings: Record<string, PortBinding[]>;
  networks: string[];
  ip: string;
  staticIp: boolean;
  restartPolicy: string;
  state: string;
  labels: Record<string, string>;
  /** Images imported into the node's containerd (k8s.io); k3s's own images are implied (node-images.mjs). */
  images?: NodeImage[];
}

export interface NodeImage {
  /** Normalised reference, e.g. docker.io/library/myapp:1.0. */
  name: string;
  /** sha256:<config digest>. */
  id: string;
  manifestDigest: string;
  size: number;
}

export interface ClusterCerts {
  serverCa: string;
  clientCa: string;
  servingCert: string;
  servingKey: string;
  /** Admin client certificate followed by the client CA, as k3s writes it. */
  adminCert: string;
  adminKey: string;
  sans: { dns: string[]; ips: string[] };
}

export interface KubeObject {
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface WorldCluster {
  name: string;
  /** Changes whenever the cluster is (re-)created. */
  generation: string;
  createdAt: string;
  running: boolean;
  paused: boolean;
  token: string;
  apiPort: number;
  apiHostIp: string;
  apiHost: string;
  noLb: boolean;
  network: { name: string; id: string; subnet: string; gateway: string; prefix: string };
  nodes: DockerNode[];
  lbConfig: { ports: Record<string, string[]>; settings: { workerConnections: number } } | null;
  certs: ClusterCerts;
  kube: {
    resourceVersion: number;
    namespaces: KubeObject[];
    nodes: KubeObject[];
    services: KubeObject[];
    pods: KubeObject[];
  };
  spec: ScenarioCluster;
}

export interface World {
  schema: 1;
  versions: { k3d: string; k3s: string; docker: string; dockerApi: string; dockerMinApi?: string };
  /** arch: the engine's `uname -m` as docker info reports it (default x86_64; aarch64 on arm64 servers). */
  engine: { running: boolean; host?: string; arch?: string };
  /** Fault: these k3d commands ('cluster list', 'kubeconfig get') print their answer, then exit 1, stderr empty. */
  faults?: { k3dFailsAfterOutput?: string[] };
  networkSeq: number;
  clusters: WorldCluster[];
}

export const SCENARIO_DIR: string;
export const DEFAULT_VERSIONS: World['versions'];
export function worldFile(simHome: string): string;
export function daemonPidFile(simHome: string): string;
export function readScenario(scenario: string | Scenario): Scenario;
export function readWorld(file: string): World;
export function writeWorld(file: string, world: World): void;
export function createCluster(
  spec: ScenarioCluster,
  options: { networkIndex: number; versions: World['versions']; now?: Date; takenPrefixes?: string[] },
): WorldCluster;
export function worldFromScenario(
  scenario: string | Scenario,
  options?: { previous?: World; merge?: boolean; now?: Date },
): World;
export function notifyDaemon(simHome: string): void;
