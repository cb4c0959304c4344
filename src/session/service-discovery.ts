// The session's discover port with Services (issue 14): k3d's clusters, then the follower brought in
// line with them; and the re-plan a catalog change asks for, which must not run k3d again (a watch event
// is about Services, not clusters, and `k3d cluster list` costs a remote process): it re-uses the
// clusters the last discovery over the same connection found. Also the log lines a user reads in
// `tunnel logs`: which Services appeared (and on which local port) or left.
import type { SessionOptions } from '../config/resolve.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import { escapeControls } from '../redact.js';
import type { K3dCluster } from '../remote/types.js';
import type { AppliedForwards, ForwardsPort } from '../supervisor/ports.js';
import { type Discovery, discoverInto } from './discovery.js';
import type { KubePorts } from './kube-seams.js';
import type { LiveConnection } from './live-connection.js';
import { ServiceFollower } from './service-follow.js';

export interface ServiceDiscoveryInput {
  options: Pick<SessionOptions, 'services' | 'clusters'>;
  discovery: Discovery;
  log: Logger;
  /** Runs discover → plan → apply now (Supervisor.rediscoverNow). */
  rediscoverNow: () => Promise<unknown>;
  /** Only a forwarding session re-plans on a change; a reconnect reads everything anyway. */
  isForwarding: () => boolean;
  /** k3d's clusters over a connection; default discoverInto (tests count the calls). */
  discoverClusters?: (connection: LiveConnection) => Promise<K3dCluster[]>;
  kube?: KubePorts;
}

export class ServiceDiscovery {
  readonly follower: ServiceFollower;
  private last: { connection: LiveConnection; clusters: K3dCluster[] } | undefined;
  /** The next discover re-uses `last` (a catalog change asked for a re-plan). */
  private reuseClusters = false;
  /** A re-plan for catalog changes is running (or about to); `dirty`: another change came meanwhile. */
  private replanning = false;
  private dirty = false;
  /** A change came while the session was not forwarding (between its plan and its first forward). */
  private missed = false;
  /** The first apply is not logged (connect's table shows it). */
  private applied = false;

  constructor(private readonly input: ServiceDiscoveryInput) {
    this.follower = new ServiceFollower({
      options: input.options,
      onChange: () => this.changed(),
      log: input.log,
      ...(input.kube ? { kube: input.kube } : {}),
    });
  }

  /** The supervisor's discover port. */
  async discover(connection: LiveConnection): Promise<K3dCluster[]> {
    const reuse = this.reuseClusters && this.last?.connection === connection;
    this.reuseClusters = false;
    if (reuse && this.last) return this.last.clusters;
    const read = this.input.discoverClusters ?? ((live) => discoverInto(this.input.discovery, live));
    const clusters = await read(connection);
    await this.follower.update(connection, clusters);
    this.last = { connection, clusters };
    return clusters;
  }

  /** The forwards port, noting in the log which Services each apply really started or stopped. */
  noting(forwards: ForwardsPort): ForwardsPort {
    return {
      ...forwards,
      apply: async (specs) => {
        const result = await forwards.apply(specs);
        this.noteApplied(result);
        return result;
      },
    };
  }

  /**
   * Logs the Services an apply started or stopped: from what happened, not from the plan, so a forward
   * that could not bind is not announced. A forward restarted on another port neither appeared nor left;
   * one that failed has its own error line. Not the first apply: connect's table shows those.
   */
  noteApplied(result: AppliedForwards): void {
    const first = !this.applied;
    this.applied = true;
    if (first) return;
    const ids = (specs: readonly ForwardSpec[]) => new Set(specs.map((spec) => spec.id));
    const started = ids(result.started);
    const stopped = ids(result.stopped);
    const failed = ids(result.failed.map(({ spec }) => spec));
    for (const spec of result.started) {
      if (spec.service && !stopped.has(spec.id))
        this.input.log('info', appearedLine(spec), { forward: spec.id });
    }
    for (const spec of result.stopped) {
      if (spec.service && !started.has(spec.id) && !failed.has(spec.id))
        this.input.log('info', leftLine(spec), { forward: spec.id });
    }
  }

  stop(): void {
    this.follower.stop();
  }

  /** The session's state changed: a change it could not re-plan for then is re-planned now. */
  sessionChanged(): void {
    if (this.missed && this.input.isForwarding()) this.changed();
  }

  /**
   * Watch events cost at most one running and one pending re-plan, however many arrive (a flood of changes,
   * legitimate churn or a flapping label, must not queue a plan per event): the ones during a re-plan
   * only mark it dirty, and it runs once more when it ends.
   */
  private changed(): void {
    if (!this.input.isForwarding()) {
      this.missed = true;
      return;
    }
    this.missed = false;
    this.dirty = true;
    if (this.replanning) return;
    this.replanning = true;
    queueMicrotask(() => void this.replan());
  }

  private async replan(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        this.reuseClusters = true;
        // The supervisor records its own failures; one must not end the loop for later changes.
        await this.input.rediscoverNow().catch(() => undefined);
      }
    } finally {
      this.replanning = false;
    }
  }
}

function serviceName(spec: ForwardSpec): string {
  const service = spec.service;
  const name = service ? `${service.namespace}/${service.name}:${service.port}` : spec.id;
  return escapeControls(name);
}

function localText(spec: ForwardSpec): string {
  const host = spec.localAddress.includes(':') ? `[${spec.localAddress}]` : spec.localAddress;
  return `${host}:${spec.localPort}`;
}

export function appearedLine(spec: ForwardSpec): string {
  return `service ${serviceName(spec)} appeared on ${escapeControls(spec.cluster)} → ${localText(spec)}`;
}

export function leftLine(spec: ForwardSpec): string {
  return `service ${serviceName(spec)} left ${escapeControls(spec.cluster)}`;
}
