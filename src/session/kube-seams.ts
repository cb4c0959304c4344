// The session's seams to kube/ for issue 14: the narrow shapes it needs of a cluster's Service catalog
// (kube/service-catalog.ts, a list + watch of Services and Nodes) and of its pod port-forward
// (kube/pod-forwarder.ts), and the one place the real ones are loaded. The follower is given KubePorts,
// so unit tests drive it with fakes; production passes realKubePorts.
import type { Duplex } from 'node:stream';
import type { KubeApi } from '../kube/api.js';
import { type ClusterApiInput, openClusterApi } from '../kube/cluster-api.js';
import type { Logger } from '../log.js';
import type { ServiceInfo } from '../plan/types.js';
import { systemClock } from '../supervisor/ports.js';

/** What changed in one cluster's catalog since its last callback. */
export interface CatalogChange {
  appeared: ServiceInfo[];
  left: ServiceInfo[];
  changed: ServiceInfo[];
  /** A node became Ready or stopped being so (the node a forward goes through may change). */
  nodesChanged: boolean;
}

/** A cluster's Services and Ready nodes as last seen; `error` while its watch is broken (it retries). */
export interface CatalogView {
  services: ServiceInfo[];
  readyNodes: string[];
  error?: string;
}

/** One cluster's catalog: start() resolves once the first list is read, rejects when it cannot be. */
export interface CatalogPort {
  start(): Promise<void>;
  current(): CatalogView;
  stop(): void;
}

export interface PodTarget {
  namespace: string;
  service: string;
  /** The Service's own port; portName picks the endpoint port when the Service names its ports. */
  port: number;
  portName?: string;
}

/** A pod port-forward per call: a ready pod behind the Service, resolved for each connection. */
export interface PodStreamPort {
  open(target: PodTarget): Promise<Duplex>;
  /** Ends the streams it handed out that are still open (its cluster is no longer followed). */
  stop(): void;
}

export interface CatalogInput {
  api: KubeApi;
  cluster: string;
  onChange: (change: CatalogChange) => void;
  log: Logger;
}

export interface KubePorts {
  openApi(input: ClusterApiInput): Promise<KubeApi>;
  catalog(input: CatalogInput): Promise<CatalogPort>;
  podStreams(input: { api: KubeApi; log: Logger }): Promise<PodStreamPort>;
}

// Loaded on first use: a session in `mapped` mode never loads the catalog, and one without a ClusterIP
// forward never loads the pod port-forward (and with it the `ws` package).
export const realKubePorts: KubePorts = {
  openApi: openClusterApi,
  catalog: async (input) => {
    const { ServiceCatalog } = await import('../kube/service-catalog.js');
    return new ServiceCatalog({ ...input, clock: systemClock });
  },
  podStreams: async (input) => {
    const { PodForwarder } = await import('../kube/pod-forwarder.js');
    return new PodForwarder(input);
  },
};
