// Keeps a session's kubeconfig entries in line with what it forwards, across reconnects and
// re-discoveries: a new cluster gets its context, a deleted one loses it, a re-created one (new
// certificates) is fetched again. k3d's kubeconfig is fetched only when a cluster's identity (its
// creation time, its local API port) changed, and the file is rewritten only when its content would.
// What the rewrite dropped from k3d's kubeconfig is logged (one bounded line, again only when it changes)
// and kept in the report (bounded, with a count); an entry the file already holds under our name without
// our mark is left alone and reported.
import type { KubeconfigMode } from '../config/resolve.js';
import { describeError, isTunnelError } from '../errors.js';
import { fetchRewritten, namesForContext } from '../kubeconfig/fetch.js';
import type { KubeconfigEntries } from '../kubeconfig/rewrite.js';
import { writeStandaloneKubeconfig } from '../kubeconfig/standalone.js';
import { mergeIntoKubeconfig, removeFromKubeconfig } from '../kubeconfig/write.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster } from '../remote/types.js';
import { capDropped, droppedSummary } from './kubeconfig-dropped.js';
import type { KubeconfigReport } from './kubeconfig-step.js';
import type { LiveConnection } from './live-connection.js';

export interface FollowOptions {
  mode: KubeconfigMode;
  names: (cluster: string) => string;
  serverHost: string;
  /** The ssh alias: the owner named in the mark on every entry this session merges. */
  owner: string;
  log: Logger;
}

export interface RemovedContexts {
  removed: string[];
  /** Contexts of ours by name that the file holds unmarked (the user's now): left in place. */
  left: string[];
}

interface Cached {
  identity: string;
  entries: KubeconfigEntries;
}

export class KubeconfigFollower {
  private readonly cache = new Map<string, Cached>();
  /** Per cluster, what the log last said was dropped from its kubeconfig. */
  private readonly droppedLogged = new Map<string, string>();
  /** Contexts this session has written to the file (what disconnect removes). */
  private readonly written = new Set<string>();
  /** Adopted from a session record and not yet written (marked) by this run: may be unmarked. */
  private readonly legacy = new Set<string>();
  private switched = false;
  /** Why the last write of the file failed (a broken kubeconfig we refuse to touch), if it did. */
  writeError: unknown;
  private lastReport: KubeconfigReport;

  constructor(private readonly options: FollowOptions) {
    const { mode } = options;
    this.lastReport = {
      mode: mode.kind,
      file: mode.kind === 'none' ? undefined : mode.file,
      contexts: [],
      errors: [],
      dropped: [],
      switchedTo: undefined,
    };
  }

  get report(): KubeconfigReport {
    return this.lastReport;
  }

  /** Contexts written so far, e.g. to restore a session's record of what it owns. */
  get contexts(): string[] {
    return [...this.written];
  }

  async update(connection: LiveConnection, clusters: K3dCluster[], forwards: ForwardSpec[]): Promise<void> {
    const { mode } = this.options;
    if (mode.kind === 'none') return;
    const report: KubeconfigReport = {
      ...this.lastReport,
      contexts: [],
      errors: [],
      dropped: [],
      moreDropped: 0,
    };
    const entries: KubeconfigEntries[] = [];
    for (const api of forwards.filter((spec) => spec.kind === 'api')) {
      const cluster = clusters.find((candidate) => candidate.name === api.cluster);
      try {
        const entry = await this.entriesFor(connection, api, cluster);
        entries.push(entry);
        report.contexts.push({ cluster: api.cluster, context: entry.context.name });
        for (const field of entry.dropped)
          report.dropped.push({ cluster: api.cluster, context: entry.context.name, ...field });
        report.dropped = capDropped(report.dropped, report);
      } catch (error) {
        this.options.log('warn', `kubeconfig for ${api.cluster} not updated: ${describeError(error)}`);
        report.errors.push({ cluster: api.cluster, error: withHint(error) });
        // Keep what we had for it: a failed fetch must not delete a context that may still work.
        const previous = this.cache.get(api.cluster);
        if (previous) entries.push(previous.entries);
      }
    }
    for (const cluster of [...this.cache.keys()]) {
      if (!forwards.some((spec) => spec.kind === 'api' && spec.cluster === cluster))
        this.cache.delete(cluster);
    }
    try {
      await this.write(entries, report);
      this.writeError = undefined;
    } catch (error) {
      this.writeError = error;
      throw error;
    } finally {
      this.lastReport = report;
    }
  }

  /** Takes ownership of contexts written by an earlier run of this session (an agent restart). */
  adopt(contexts: readonly string[]): void {
    for (const context of contexts) {
      this.written.add(context);
      this.legacy.add(context);
    }
  }

  /**
   * Removes every context this session wrote (merge): says which it removed and which it left because
   * the file now holds an entry of that name tunnel did not write. A standalone file is left as it is.
   */
  async remove(): Promise<RemovedContexts> {
    const { mode } = this.options;
    const written = [...this.written];
    let result: RemovedContexts = { removed: [], left: [] };
    if (mode.kind === 'merge' && written.length > 0) {
      const removal = await removeFromKubeconfig(mode.file, written.map(namesForContext), this.ownership());
      this.logSkipped(removal.skipped);
      result = removal.contexts;
    }
    this.written.clear();
    this.legacy.clear();
    return result;
  }

  private async entriesFor(
    connection: LiveConnection,
    api: ForwardSpec,
    cluster: K3dCluster | undefined,
  ): Promise<KubeconfigEntries> {
    const identity = `${cluster?.createdAt ?? 'unknown'}|${api.localAddress}|${api.localPort}`;
    const cached = this.cache.get(api.cluster);
    // Without a creation time we cannot tell a re-created cluster apart: fetch every time then.
    if (cached && cached.identity === identity && cluster?.createdAt !== undefined) return cached.entries;
    const { names, serverHost } = this.options;
    // The handle's k3d: found by this connection's discovery, which runs before any kubeconfig step.
    const k3d = await connection.devServer.k3d();
    const entries = await fetchRewritten({ connection: connection.ssh, k3d, names, serverHost }, api);
    this.logDropped(api.cluster, identity, entries);
    this.cache.set(api.cluster, { identity, entries });
    return entries;
  }

  private async write(entries: KubeconfigEntries[], report: KubeconfigReport): Promise<void> {
    const { mode } = this.options;
    if (mode.kind === 'none') return;
    const names = new Set(entries.map((entry) => entry.context.name));
    const first = entries[0]?.context.name;
    if (mode.kind === 'standalone') {
      if (first !== undefined)
        await writeStandaloneKubeconfig(mode.file, { entries, context: first, ...this.ownership() });
    } else {
      const gone = [...this.written].filter((context) => !names.has(context));
      if (gone.length > 0) {
        const result = await removeFromKubeconfig(mode.file, gone.map(namesForContext), this.ownership());
        this.logSkipped(result.skipped);
      }
      for (const context of gone) this.forget(context);
      if (entries.length > 0) await this.merge(mode.file, mode.switchContext, entries, report);
      return;
    }
    for (const name of names) this.written.add(name);
  }

  private async merge(
    file: string,
    switchContext: boolean,
    entries: KubeconfigEntries[],
    report: KubeconfigReport,
  ): Promise<void> {
    // Switch once, on the first write: later updates must not take the user's context back.
    const switchTo = switchContext && !this.switched ? true : undefined;
    const result = await mergeIntoKubeconfig(file, entries, { ...this.ownership(), switchContext: switchTo });
    for (const { context, error } of result.refused) {
      this.options.log('warn', `kube context ${context} not written: ${withHint(error)}`);
      const cluster = report.contexts.find((entry) => entry.context === context)?.cluster ?? context;
      report.contexts = report.contexts.filter((entry) => entry.context !== context);
      report.errors.push({ cluster, error: withHint(error) });
      report.dropped = report.dropped.filter((entry) => entry.context !== context);
      this.forget(context);
    }
    for (const { context } of report.contexts) {
      this.written.add(context);
      this.legacy.delete(context);
    }
    if (result.current !== undefined) {
      this.switched = true;
      report.switchedTo = result.current;
    }
  }

  /** One line per fetch, once per cluster identity: k3d prints the same at every rediscovery. */
  private logDropped(cluster: string, identity: string, entries: KubeconfigEntries): void {
    const paths = entries.dropped.map((field) => field.path).join('\n');
    const signature = `${identity}\n${entries.context.name}\n${paths}`;
    if (this.droppedLogged.get(cluster) === signature) return;
    this.droppedLogged.set(cluster, signature);
    if (entries.dropped.length > 0)
      this.options.log('warn', droppedSummary(entries.context.name, entries.dropped));
  }

  private forget(context: string): void {
    this.written.delete(context);
    this.legacy.delete(context);
  }

  private ownership() {
    return { owner: this.options.owner, adopt: [...this.legacy] };
  }

  private logSkipped(skipped: readonly string[]): void {
    for (const entry of skipped) {
      this.options.log('warn', `kubeconfig: left ${entry} in place: tunnel did not write it`);
    }
  }
}

function withHint(error: unknown): string {
  const hint = isTunnelError(error) ? error.hint : undefined;
  return hint ? `${describeError(error)} (${hint})` : describeError(error);
}
