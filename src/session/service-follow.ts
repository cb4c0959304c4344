// Following the Services of one host's clusters (issue 14): per selected running cluster, the cluster's
// API, a catalog (list + watch of Services and Nodes) and whether its node addresses are reachable,
// handed to the planner as ClusterServices. Everything here belongs to one SSH connection: a new one
// stops it all and builds it again over the new link (the resync), a closed one stops it. A cluster that
// is gone or re-created loses its catalog; a cluster whose API cannot be read gets an `error` entry (the
// plan keeps its mapped ports) and is tried again in the background with a backoff, not inside the next
// discovery: one cluster whose API hangs must not hold up the others' re-plans every time. When it comes
// up the session re-plans (onChange). Nothing here fails the session.
import type { Duplex } from 'node:stream';
import type { SessionOptions } from '../config/resolve.js';
import type { DevServer } from '../devserver/dev-server.js';
import { describeError, TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ClusterServices, ForwardSpec } from '../plan/types.js';
import { escapeControls, remoteText } from '../redact.js';
import type { K3dCluster } from '../remote/types.js';
import { Backoff } from '../supervisor/backoff.js';
import { type Clock, systemClock } from '../supervisor/ports.js';
import { withTimeout } from '../supervisor/wait.js';
import { type Followed, plannedServices, stopFollowed } from './followed-cluster.js';
import { type KubePorts, realKubePorts } from './kube-seams.js';
import { type NodeReach, nodeReachOver } from './node-reach.js';

/** What the follower needs of a connection (LiveConnection is one). */
export interface FollowConnection {
  readonly devServer: Pick<DevServer, 'ssh' | 'k3d' | 'engine'>;
  readonly closed: Promise<unknown>;
}

export interface ServiceFollowerInput {
  options: Pick<SessionOptions, 'services' | 'clusters'>;
  /** A catalog saw a change: the session should plan again (without asking k3d). */
  onChange: () => void;
  log: Logger;
  kube?: KubePorts;
  clock?: Clock;
  probeTimeoutMs?: number;
  /** How long a catalog's first list may take before the cluster gets an error entry; default 30 s. */
  startTimeoutMs?: number;
}

/** Above the API's own 20 s per request: a list that never ends must not stall every discovery after it. */
export const DEFAULT_CATALOG_START_TIMEOUT_MS = 30_000;
/** A cluster whose API could not be read is tried again after 5 s, growing (jittered) to 1 min. */
const RETRY = { initialDelayMs: 5_000, maxDelayMs: 60_000 };

export class ServiceFollower {
  private connection: FollowConnection | undefined;
  private readonly followed = new Map<string, Followed>();
  /** Node reachability per cluster (name + createdAt), asked once per connection. */
  private readonly reach = new Map<string, Promise<NodeReach>>();
  /** update() calls run one at a time: a discovery never sees a half-replaced cluster. */
  private updating: Promise<void> = Promise.resolve();
  private readonly kube: KubePorts;
  private readonly clock: Clock;
  /** stop() was called: an update queued before it must not adopt a connection and start catalogs. */
  private stopped = false;

  constructor(private readonly input: ServiceFollowerInput) {
    this.kube = input.kube ?? realKubePorts;
    this.clock = input.clock ?? systemClock;
  }

  /** Brings the followed clusters in line with k3d's, over `connection`; never rejects. */
  update(connection: FollowConnection, clusters: readonly K3dCluster[]): Promise<void> {
    const run = this.updating.then(() => this.updateOnce(connection, clusters));
    // A bug in one update must not wedge every later one (nor fail the discovery that asked).
    this.updating = run.catch((error: unknown) => {
      this.input.log('error', `following Services failed: ${describeError(error)}`);
    });
    return this.updating;
  }

  /** Per followed cluster, what the planner gets (a cluster still missing here was not read). */
  catalogs(): ReadonlyMap<string, ClusterServices> {
    const out = new Map<string, ClusterServices>();
    for (const [name, entry] of this.followed) {
      const planned = plannedServices(entry);
      if (planned) out.set(name, planned);
    }
    return out;
  }

  /** A pod port-forward for a `via: pod` forward, through its cluster's API on `connection`. */
  async openPod(connection: FollowConnection, spec: ForwardSpec): Promise<Duplex> {
    const via = spec.via;
    if (via?.kind !== 'pod') throw new Error(`forward ${spec.id} does not go through a pod`);
    if (connection !== this.connection) {
      // The listener holds the client and retries on the next connection (see forward/listener.ts).
      throw Object.assign(new Error('the SSH connection was replaced'), { linkDown: true });
    }
    const entry = this.followed.get(spec.cluster);
    if (!entry?.api || !entry.started) {
      throw new TunnelError(
        'KUBE_API',
        `The API of cluster ${JSON.stringify(spec.cluster)} is not being read, so ${escapeControls(`${via.namespace}/${via.service}`)}:${via.port} cannot be reached through a pod.`,
        { hint: `See why in the session's log: tunnel logs ${this.aliasHint()}` },
      );
    }
    entry.pods ??= this.kube.podStreams({ api: entry.api, log: this.input.log });
    const target = { namespace: via.namespace, service: via.service, port: via.port };
    const portName = spec.service?.portName;
    return (await entry.pods).open(portName === undefined ? target : { ...target, portName });
  }

  /** Stops every catalog (the session stopped). */
  stop(): void {
    this.stopped = true;
    this.release();
  }

  private async updateOnce(connection: FollowConnection, clusters: readonly K3dCluster[]): Promise<void> {
    if (this.input.options.services.mode === 'mapped' || this.stopped) return;
    if (connection !== this.connection) this.adopt(connection);
    const named = this.input.options.clusters;
    const wanted = clusters.filter(
      (cluster) => cluster.running && (named.length === 0 || named.includes(cluster.name)),
    );
    const byName = new Map(wanted.map((cluster) => [cluster.name, cluster]));
    for (const [name, entry] of this.followed) {
      const cluster = byName.get(name);
      // Gone, stopped or re-created (new certificates, new nodes). One whose API failed is retried apart.
      if (!cluster || cluster.createdAt !== entry.createdAt) this.drop(name);
    }
    const fresh = wanted.filter((cluster) => !this.followed.has(cluster.name));
    await Promise.all(fresh.map((cluster) => this.follow(connection, cluster)));
  }

  /** A new connection: what the old one carried is stopped; everything is built again over this one. */
  private adopt(connection: FollowConnection): void {
    this.release();
    this.connection = connection;
    void connection.closed.then(() => {
      if (this.connection === connection) this.release();
    });
  }

  private release(): void {
    for (const name of [...this.followed.keys()]) this.drop(name);
    this.reach.clear();
    this.connection = undefined;
  }

  private drop(name: string): void {
    const entry = this.followed.get(name);
    if (!entry) return;
    stopFollowed(entry, this.clock);
    this.followed.delete(name);
  }

  private async follow(connection: FollowConnection, cluster: K3dCluster): Promise<void> {
    const entry: Followed = {
      createdAt: cluster.createdAt,
      reach: { reachable: false, reason: 'not probed yet' },
      started: false,
      stopped: false,
    };
    this.followed.set(cluster.name, entry);
    const { log } = this.input;
    const [reach] = await Promise.all([
      this.nodeReach(connection, cluster),
      this.startCatalog(connection, entry, cluster),
    ]);
    entry.reach = reach;
    if (entry.stopped) return;
    if (!reach.reachable) log('warn', `node addresses of ${cluster.name} not reachable: ${reach.reason}`);
    if (entry.error !== undefined) this.retryLater(connection, cluster, entry);
  }

  /** A background attempt to read the cluster's API; the session re-plans when it works. */
  private retryLater(connection: FollowConnection, cluster: K3dCluster, entry: Followed): void {
    entry.backoff ??= new Backoff(RETRY);
    const attempt = async () => {
      entry.retry = undefined;
      if (entry.stopped) return;
      entry.retrying = entry.error;
      entry.error = undefined;
      await this.startCatalog(connection, entry, cluster);
      entry.retrying = undefined;
      if (entry.stopped) return;
      if (entry.error !== undefined) return this.retryLater(connection, cluster, entry);
      this.input.log('info', `services of ${cluster.name} are followed again`);
      this.input.onChange();
    };
    entry.retry = this.clock.setTimeout(() => void attempt(), entry.backoff.next());
  }

  private async startCatalog(
    connection: FollowConnection,
    entry: Followed,
    cluster: K3dCluster,
  ): Promise<void> {
    const { log } = this.input;
    try {
      const k3d = await connection.devServer.k3d();
      entry.api = await this.kube.openApi({ connection: connection.devServer.ssh, k3d, cluster });
      entry.catalog = await this.kube.catalog({
        api: entry.api,
        cluster: cluster.name,
        log,
        onChange: () => this.catalogChanged(entry),
      });
      if (entry.stopped) return entry.catalog.stop();
      const ms = this.input.startTimeoutMs ?? DEFAULT_CATALOG_START_TIMEOUT_MS;
      const late = new Error(`the API of ${cluster.name} did not list its Services within ${ms / 1000} s`);
      const failure = await withTimeout(
        this.clock,
        entry.catalog.start().then(() => undefined, errorOf),
        ms,
        late,
      );
      if (failure) throw failure;
      entry.started = true;
    } catch (error) {
      if (entry.stopped) return;
      entry.catalog?.stop();
      entry.catalog = undefined;
      entry.error = remoteText(describeError(error), 300);
      // A retry that fails the same way says nothing new: one line per new reason, not one a minute.
      if (entry.error !== entry.retrying)
        log('warn', `services of ${cluster.name} not followed (mapped ports only; retrying): ${entry.error}`);
    }
  }

  private nodeReach(connection: FollowConnection, cluster: K3dCluster): Promise<NodeReach> {
    const key = `${cluster.name}\u0000${cluster.createdAt ?? ''}`;
    let verdict = this.reach.get(key);
    if (!verdict) {
      const options = { clock: this.clock, timeoutMs: this.input.probeTimeoutMs };
      verdict = nodeReachOver(connection.devServer, cluster, options);
      this.reach.set(key, verdict);
    }
    return verdict;
  }

  private catalogChanged(entry: Followed): void {
    if (entry.stopped || !entry.started || entry.error !== undefined) return;
    this.input.onChange();
  }

  private aliasHint(): string {
    return this.connection?.devServer.ssh.target.alias ?? '<host>';
  }
}

function errorOf(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
