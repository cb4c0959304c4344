// What discovery learns about k3d on the dev server, independent of k3d's JSON spelling.
import type { FoundVia, RemoteProgram } from './program.js';

export type NodeRole = 'server' | 'agent' | 'loadbalancer' | 'registry' | 'unknown';

export interface PortMapping {
  /** Container port (the NodePort for `--port 8080:30080@…`, 6443 for the API). */
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** Host IP as k3d recorded it: '' / '0.0.0.0' / '::' mean all interfaces. */
  hostIp: string;
  hostPort: number;
  /** The node (container) that publishes it: the serverlb, or a node for `:direct` mappings. */
  nodeName: string;
  nodeRole: NodeRole;
  /** True for the API server mapping (key "6443" without protocol, or the server's kubeAPI binding). */
  isApi: boolean;
}

/** A k3s node container (server or agent) and its address on the cluster's docker network (`nodes[].IP.IP`). */
export interface K3dNodeAddress {
  /** The container name, which is also the Kubernetes node name (k3d-<cluster>-server-0). */
  name: string;
  role: 'server' | 'agent';
  /** An IPv4 or IPv6 literal, validated; k3d prints "" for a stopped node (then the node is not listed). */
  address: string;
  running: boolean;
}

export interface K3dCluster {
  name: string;
  /** Its API serves: every server runs, or an etcd quorum of them and the API's node (k3d-state.ts `clusterRunning`). */
  running: boolean;
  serversRunning: number;
  serversCount: number;
  agentsRunning: number;
  agentsCount: number;
  hasLoadBalancer: boolean;
  /** The API mapping, when one is published on the host. */
  api: PortMapping | undefined;
  /** Every other published TCP host port (services, ingress), deduplicated by host IP + port. */
  ports: PortMapping[];
  /** When the first server node was created: changes when the cluster is deleted and re-created. */
  createdAt: string | undefined;
  /** Notes about odd but tolerated input (e.g. a mapping without HostPort), shown under `tunnel clusters`. */
  warnings: string[];
  /** Server and agent nodes with an address (running ones carry one), ordered servers first, by name. */
  nodes?: K3dNodeAddress[];
  /** Set by placeClusters: published ports the dev server cannot reach (bound to the engine host's loopback). */
  notForwarded?: string[];
  /** Set by placeClusters: the engine host cannot be dialled by the SSH server at all, and why. */
  unreachable?: string;
}

/** k3d as found on the dev server (program.ts), with what it says its version is. */
export interface K3dInfo extends Omit<RemoteProgram, 'foundVia'> {
  /** 'unknown' only in a report made before anything was found. */
  foundVia: FoundVia | 'unknown';
  k3dVersion: string | undefined;
  k3sVersion: string | undefined;
}
