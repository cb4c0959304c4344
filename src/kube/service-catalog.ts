// What Services (and Ready nodes) one cluster has, kept current: list both, then watch both from the lists'
// resourceVersions and apply each event. A watch the server ends is resumed from the last resourceVersion;
// a 410 Gone (that version is too old) or a broken stream means events were lost: list again after a
// jittered backoff and report the difference as one change (the resync). Everything the API sends is
// checked (types.ts, watch-event.ts); an object that does not parse is skipped, never thrown: one warning
// per watch event, one per list (with how many and the first problem; api.ts reads these lists tolerantly).
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceInfo } from '../plan/types.js';
import { remoteText } from '../redact.js';
import type { KubeApi } from './api.js';
import {
  type CatalogChange,
  diffServices,
  isEmptyChange,
  readyNodeNames,
  sameNames,
  serviceInfo,
  serviceKey,
} from './catalog-diff.js';
import { type CatalogClock, type Kind, RelistBackoff, watchBoth } from './catalog-watch.js';
import { type KubeNode, type KubeService, parseNode, parseService } from './types.js';
import { type WatchFunction, watch } from './watch.js';
import type { WatchEvent } from './watch-event.js';

export type { CatalogChange } from './catalog-diff.js';
export type { CatalogClock } from './catalog-watch.js';

export interface ServiceCatalogOptions {
  api: KubeApi;
  cluster: string;
  onChange: (change: CatalogChange) => void;
  log: Logger;
  clock: CatalogClock;
  /** Services beyond this many are ignored (with a warning); default 2000. */
  maxServices?: number;
  /** Default watch.ts; tests inject one. */
  watch?: WatchFunction;
  /** For the backoff's jitter; default Math.random. */
  random?: () => number;
  /** Per watch request, ended by the server; default 300. */
  timeoutSeconds?: number;
}

export interface CatalogState {
  /** By namespace/name; while the API cannot be read, the last known ones (forwards are not dropped for it). */
  services: ServiceInfo[];
  readyNodes: string[];
  /** Why the API is not being read right now (kept while retrying). */
  error?: string;
}

const MAX_NODES = 1000;
/** A watch cycle that lasted this long was healthy: the next failure starts the backoff over. */
const HEALTHY_MS = 30_000;

export class ServiceCatalog {
  private services = new Map<string, ServiceInfo>();
  private nodes = new Map<string, KubeNode>();
  private versions: Record<Kind, string> = { services: '', nodes: '' };
  private error: string | undefined;
  private stopped = false;
  private cycle: AbortController | undefined;
  private readonly backoff: RelistBackoff;
  private warnedTooMany = false;
  private readonly maxServices: number;

  constructor(private readonly options: ServiceCatalogOptions) {
    this.maxServices = options.maxServices ?? 2000;
    this.backoff = new RelistBackoff(options.clock, options.random ?? Math.random);
  }

  /** Resolves once the first lists are read (rejects when they cannot be); the watches then run on. */
  async start(): Promise<void> {
    await this.list(false);
    if (!this.stopped) void this.follow();
  }

  current(): CatalogState {
    const services = [...this.services.values()].sort((a, b) =>
      serviceKey(a) < serviceKey(b) ? -1 : serviceKey(a) > serviceKey(b) ? 1 : 0,
    );
    const state: CatalogState = { services, readyNodes: readyNodeNames(this.nodes.values()) };
    if (this.error !== undefined) state.error = this.error;
    return state;
  }

  stop(): void {
    this.stopped = true;
    this.cycle?.abort();
    this.backoff.cancel();
  }

  private log(level: 'info' | 'warn', message: string): void {
    this.options.log(level, message, { cluster: this.options.cluster });
  }

  private emit(change: CatalogChange): void {
    if (isEmptyChange(change)) return;
    try {
      this.options.onChange(change);
    } catch (error) {
      this.log('warn', `a service change handler failed: ${describeError(error)}`);
    }
  }

  private async list(report: boolean): Promise<void> {
    const { api } = this.options;
    const [services, nodes] = await Promise.all([api.listServicesAt(), api.listNodes()]);
    if (this.stopped) return;
    // One warning per list, however many of its objects were malformed (a hostile list may hold 2000).
    for (const [kind, { rejected, firstProblem }] of [
      ['Service', services],
      ['Node', nodes],
    ] as const)
      if (rejected > 0)
        this.log(
          'warn',
          `ignored ${rejected} malformed ${kind}(s) in the list from ${this.options.cluster}: ${firstProblem}`,
        );
    const next = new Map<string, ServiceInfo>();
    for (const service of services.items) {
      const info = serviceInfo(service);
      if (info && next.size < this.maxServices) next.set(serviceKey(info), info);
    }
    if (services.items.length > this.maxServices) this.tooMany();
    const readyBefore = readyNodeNames(this.nodes.values());
    const diff = diffServices(this.services, next);
    this.services = next;
    this.nodes = new Map(nodes.items.slice(0, MAX_NODES).map((node) => [node.name, node]));
    this.versions = { services: services.resourceVersion, nodes: nodes.resourceVersion };
    if (report)
      this.emit({ ...diff, nodesChanged: !sameNames(readyBefore, readyNodeNames(this.nodes.values())) });
  }

  private tooMany(): void {
    if (this.warnedTooMany) return;
    this.warnedTooMany = true;
    this.log(
      'warn',
      `cluster ${this.options.cluster} has more than ${this.maxServices} Services; the rest are not forwarded`,
    );
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      const startedAt = this.options.clock.now();
      this.cycle = new AbortController();
      const problem = await watchBoth({
        watch: this.options.watch ?? watch,
        channel: this.options.api.channel,
        clock: this.options.clock,
        timeoutSeconds: this.options.timeoutSeconds,
        versions: this.versions,
        apply: (kind, event) => this.apply(kind, event),
        cycle: this.cycle,
      });
      if (this.stopped) return;
      if (this.options.clock.now() - startedAt >= HEALTHY_MS) this.backoff.reset();
      this.error = problem;
      this.log('warn', `watching the API of ${this.options.cluster} stopped: ${problem}; listing again`);
      await this.relist();
    }
  }

  /** After a backoff, list again until it works (or stop()); the difference is reported as a change. */
  private async relist(): Promise<void> {
    while (!this.stopped) {
      await this.backoff.wait();
      if (this.stopped) return;
      try {
        await this.list(true);
        this.error = undefined;
        return;
      } catch (error) {
        this.error = describeError(error);
        this.log('warn', `listing the Services of ${this.options.cluster} failed: ${this.error}`);
      }
    }
  }

  /** Applies one event; answers why the watch must stop (an ERROR event), else undefined. */
  private apply(kind: Kind, event: WatchEvent): string | undefined {
    if (event.type === 'ERROR') {
      const code =
        event.code === 410 ? '410 Gone: its resourceVersion is too old' : `error ${event.code ?? '?'}`;
      return `the ${kind} watch answered ${code}${event.message ? ` (${event.message})` : ''}`;
    }
    if (event.resourceVersion !== '') this.versions[kind] = event.resourceVersion;
    if (event.type === 'BOOKMARK') return undefined;
    try {
      if (kind === 'services') this.applyService(event.type, parseService(event.object));
      else this.applyNode(event.type, parseNode(event.object));
    } catch (error) {
      this.log(
        'warn',
        `ignored a ${kind} watch event from ${this.options.cluster}: ${remoteText(describeError(error))}`,
      );
    }
    return undefined;
  }

  private applyService(type: 'ADDED' | 'MODIFIED' | 'DELETED', service: KubeService): void {
    const key = serviceKey(service);
    const before = this.services.get(key);
    const info = type === 'DELETED' ? undefined : serviceInfo(service);
    if (!info) {
      if (before) this.services.delete(key);
      if (before) this.emit({ appeared: [], left: [before], changed: [], nodesChanged: false });
      return;
    }
    if (!before && this.services.size >= this.maxServices) {
      this.tooMany();
      return;
    }
    this.services.set(key, info);
    const diff = diffServices(new Map(before ? [[key, before]] : []), new Map([[key, info]]));
    this.emit({ ...diff, nodesChanged: false });
  }

  private applyNode(type: 'ADDED' | 'MODIFIED' | 'DELETED', node: KubeNode): void {
    const before = readyNodeNames(this.nodes.values());
    if (type === 'DELETED') this.nodes.delete(node.name);
    else if (this.nodes.has(node.name) || this.nodes.size < MAX_NODES) this.nodes.set(node.name, node);
    const after = readyNodeNames(this.nodes.values());
    if (!sameNames(before, after)) this.emit({ appeared: [], left: [], changed: [], nodesChanged: true });
  }
}
