// Keeps a session's kubeconfig entries in line with what it forwards, across reconnects and
// re-discoveries: a new cluster gets its context, a deleted one loses it, a re-created one (new
// certificates) is fetched again. k3d's kubeconfig is fetched only when a cluster's identity (its
// creation time, its local API port) changed, and the file is rewritten only when its content would.
import type { KubeconfigMode } from '../config/resolve.js';
import { describeError } from '../errors.js';
import type { KubeconfigEntries } from '../kubeconfig/rewrite.js';
import { mergeIntoKubeconfig, removeFromKubeconfig, writeStandaloneKubeconfig } from '../kubeconfig/write.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster } from '../remote/types.js';
import { fetchRewritten, type KubeconfigReport, namesForContext } from './kubeconfig-step.js';
import type { LiveConnection } from './live-connection.js';

export interface FollowOptions {
  mode: KubeconfigMode;
  names: (cluster: string) => string;
  serverHost: string;
  log: Logger;
}

interface Cached {
  identity: string;
  entries: KubeconfigEntries;
}

export class KubeconfigFollower {
  private readonly cache = new Map<string, Cached>();
  /** Contexts this session has written to the file (what disconnect removes). */
  private readonly written = new Set<string>();
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
    const report: KubeconfigReport = { ...this.lastReport, contexts: [], errors: [] };
    const entries: KubeconfigEntries[] = [];
    for (const api of forwards.filter((spec) => spec.kind === 'api')) {
      const cluster = clusters.find((candidate) => candidate.name === api.cluster);
      try {
        entries.push(await this.entriesFor(connection, api, cluster));
        report.contexts.push({ cluster: api.cluster, context: this.options.names(api.cluster) });
      } catch (error) {
        this.options.log('warn', `kubeconfig for ${api.cluster} not updated: ${describeError(error)}`);
        report.errors.push({ cluster: api.cluster, error: describeError(error) });
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
    for (const context of contexts) this.written.add(context);
  }

  /** Removes every context this session wrote (merge), or its standalone file's entries. */
  async remove(): Promise<string[]> {
    const { mode } = this.options;
    const removed = [...this.written];
    if (mode.kind === 'merge' && removed.length > 0) {
      await removeFromKubeconfig(mode.file, removed.map(namesForContext));
    }
    this.written.clear();
    return removed;
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
    if (!connection.k3d) throw new Error('k3d was not found on this connection');
    const { names, serverHost } = this.options;
    const entries = await fetchRewritten(
      { connection: connection.ssh, k3d: connection.k3d, names, serverHost },
      api,
    );
    this.cache.set(api.cluster, { identity, entries });
    return entries;
  }

  private async write(entries: KubeconfigEntries[], report: KubeconfigReport): Promise<void> {
    const { mode } = this.options;
    if (mode.kind === 'none') return;
    const names = new Set(entries.map((entry) => entry.context.name));
    const first = entries[0]?.context.name;
    if (mode.kind === 'standalone') {
      if (first !== undefined) await writeStandaloneKubeconfig(mode.file, entries, first);
    } else {
      const gone = [...this.written].filter((context) => !names.has(context));
      if (gone.length > 0) await removeFromKubeconfig(mode.file, gone.map(namesForContext));
      for (const context of gone) this.written.delete(context);
      if (entries.length > 0) {
        // Switch once, on the first write: later updates must not take the user's context back.
        const switchTo = mode.switchContext && !this.switched ? first : undefined;
        await mergeIntoKubeconfig(mode.file, entries, { switchContext: switchTo });
        if (switchTo) {
          this.switched = true;
          report.switchedTo = switchTo;
        }
      }
    }
    for (const name of names) this.written.add(name);
  }
}
