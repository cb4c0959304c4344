// The forward plan: what we listen on locally and where each connection goes on the dev server.

export type ForwardKind = 'api' | 'service';

/**
 * Which Services a session forwards (issue 14): `mapped` = only k3d's published host ports (no API calls);
 * `nodeport` (default) = also every NodePort/LoadBalancer Service, through a node's address on the
 * cluster's docker network; `all` = also ClusterIP Services, through the API's pod port-forward.
 */
export type ServicesMode = 'mapped' | 'nodeport' | 'all';

/** Which Services are forwarded, and pins for them; plain JSON (it crosses the socket and is saved). */
export interface ServiceSelection {
  mode: ServicesMode;
  /** Only these namespaces; empty = every namespace not excluded. */
  namespaces: string[];
  /** Never these namespaces (default kube-system). An explicit include wins over the default exclude. */
  excludeNamespaces: string[];
  /** A Kubernetes label selector (`app=web,tier!=cache,!internal`); undefined = every Service. */
  selector: string | undefined;
  /** `--map ns/name:port:LOCAL` pins, as [`ns/name:port`, local port]. */
  pins: [string, number][];
}

/**
 * How the dev server reaches a forward's remote end. `host-port`: a port k3d publishes on the dev server
 * (remoteHost:remotePort; the API and `--port` mappings). `node`: remoteHost is a k3d node's address on
 * the cluster's docker network and remotePort the Service's nodePort (kube-proxy answers it on every
 * node). `pod`: no TCP address on the dev server: each connection is a pod port-forward (WebSocket)
 * through the cluster's API to a ready pod behind the Service, resolved per connection.
 */
export type ForwardVia =
  | { kind: 'host-port' }
  | { kind: 'node'; node: string }
  | { kind: 'pod'; namespace: string; service: string; port: number };

/** The Service a forward reaches, as status names it. */
export interface ForwardService {
  namespace: string;
  name: string;
  /** The Service's own port (spec.ports[].port). */
  port: number;
  portName?: string;
}

export interface ForwardSpec {
  /** Stable identity for diffs: `${cluster}/${kind}/${remoteHost}:${remotePort}`. */
  id: string;
  cluster: string;
  kind: ForwardKind;
  localAddress: string;
  localPort: number;
  /** Where the dev server connects: 127.0.0.1 unless the mapping binds a specific address. */
  remoteHost: string;
  remotePort: number;
  /** The container port (NodePort) behind the host port; 6443 for the API. */
  nodePort: number;
  /**
   * Set when the local port differs from the dev-server port, with why. 'self': the dev server is this
   * machine, and listening on that port would forward to itself (nothing else needs to hold it).
   * `heldBy` (busy only): who holds the port, as a note says it ("ControlCenter (pid 512) on *:5000").
   * 'privileged': a port below 1024 that could not be bound and that nobody visible holds (Linux needs
   * root or CAP_NET_BIND_SERVICE there; macOS lets anyone bind it).
   */
  remapped:
    | { from: number; reason: 'busy' | 'pinned' | 'conflict' | 'self' | 'privileged'; heldBy?: string }
    | undefined;
  /** The Service behind it, when known (a mapped port whose nodePort a Service uses, or a Service forward). */
  service?: ForwardService;
  /** How the dev server reaches it; undefined = host-port (every forward before issue 14). */
  via?: ForwardVia;
}

/** A Service as the planner needs it (kube/ fills it from the API; plan/ stays pure and imports no kube/). */
export interface ServiceInfo {
  namespace: string;
  name: string;
  /** 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' (the API's spelling). */
  type: string;
  labels: Record<string, string>;
  /** False for a Service without a selector (endpoints by hand): a pod port-forward cannot find its pods. */
  hasSelector: boolean;
  /** A headless Service (clusterIP None) has no virtual IP; it still has pods. */
  ports: { name?: string; protocol: string; port: number; nodePort?: number }[];
}

/** What a cluster's API said, for the planner; absent for a cluster whose API was not read. */
export interface ClusterServices {
  services: ServiceInfo[];
  /** Kubernetes node names (= k3d container names) whose Ready condition is True. */
  readyNodes: string[];
  /** Whether the dev server can reach the cluster's node addresses (probed once per connection). */
  /**
   * `reason`: the whole story, for the log; `cause`: a few words for the one `skipped` line
   * ('rootless docker?', 'docker runs on build', 'timed out: a firewall?').
   */
  nodeReach: { reachable: true } | { reachable: false; reason: string; cause?: string };
  /** Why the API could not be read (then only mapped ports are forwarded), with the last error. */
  error?: string;
}

export interface PlanOptions {
  /** Only these clusters (by name); empty = every running cluster. */
  clusters: string[];
  /** --map remote:local pins. */
  maps: Map<number, number>;
  bindAddress: string;
  /** Skip (rather than fail on) a named cluster that is missing or stopped: a running session waits for it. */
  lenient?: boolean;
  /** Which Services; undefined = mapped ports only (as before issue 14). */
  services?: ServiceSelection;
  /** Per cluster name, what its API said (services, ready nodes); missing = not read. */
  catalogs?: ReadonlyMap<string, ClusterServices>;
}
