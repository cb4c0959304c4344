// The agent's sessions, one per host: connect (replace or reuse), status, disconnect, restore after a
// restart, and the ordered stop of all of them. Requests for one host run one at a time; different
// hosts never wait for each other. Knows nothing of sockets: the control handlers call in here.
import type { SessionOptions } from '../config/resolve.js';
import type { DisconnectResult } from '../control/protocol.js';
import type { SessionStatus, StatusDocument } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';
import { endSession } from './disconnect.js';
import {
  bringBack,
  loadSessionModule,
  type RestoreTarget,
  restoreSaved,
  type SessionLoader,
  type SessionSeed,
} from './restore.js';
import { Saves, savedForm } from './saves.js';
import {
  type ConnectResult,
  kept,
  noSession,
  previousRestored,
  sameMergeTarget,
  sameOptions,
  shuttingDown,
} from './session-match.js';
import { StatusFeed } from './status-feed.js';
import { forgetSession, type SavedSession } from './store.js';

export class Agent {
  /** Tells `watch` requests when a session changed or a forward carried traffic. */
  readonly feed = new StatusFeed<StatusDocument>();
  private readonly sessions = new Map<string, ManagedSession>();
  private readonly createdAt = new Map<string, string>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Sessions that forwarded at least once: only these are saved (a failed first connect leaves nothing). */
  private readonly established = new WeakSet<ManagedSession>();
  private stopping = false;
  private readonly saves = new Saves((level, message, fields) => this.log(level, message, fields));
  /** Connect requests received and not yet answered (waiting for their host's queue included). */
  private connecting = 0;
  /** Settles when the saved sessions are back (or failed, logged); set by restore() before any await. */
  private restoring: Promise<number> = Promise.resolve(0);

  /** `load` is the session layer's import (a test's gated fake). */
  constructor(
    private readonly log: Logger,
    private readonly load: SessionLoader = loadSessionModule,
  ) {}

  /**
   * Brings back every saved session (restore.ts). Sets `restoring` at once: status, watch and disconnect
   * wait for it (restored()), so a CLI asking while the session layer loads still sees them.
   */
  restore(): Promise<number> {
    const { count, done } = restoreSaved(this.restoreTarget);
    // Counted as connects under way, so `shutdown {ifIdle}` does not find the agent idle meanwhile.
    this.connecting += count;
    this.restoring = done.finally(() => {
      this.connecting -= count;
    });
    return this.restoring;
  }

  /** Resolves once restore() is done; never rejects. */
  async restored(): Promise<void> {
    await this.restoring;
  }

  connect(options: SessionOptions, interaction: Interaction, signal: AbortSignal): Promise<ConnectResult> {
    this.connecting++;
    return this.connectInQueue(options, interaction, signal).finally(() => {
      this.connecting--;
    });
  }

  /**
   * For `shutdown {ifIdle}`: when no session runs and no connect is under way, stop taking requests and
   * return true (the caller shuts the agent down); false leaves everything as it was. Synchronous, so no
   * connect can slip in between the check and the stop.
   */
  claimIdleStop(): boolean {
    if (this.stopping) return true;
    if (this.sessions.size > 0 || this.connecting > 0) return false;
    this.stopping = true;
    return true;
  }

  private connectInQueue(
    options: SessionOptions,
    interaction: Interaction,
    signal: AbortSignal,
  ): Promise<ConnectResult> {
    return this.serialize(options.alias, async () => {
      this.refuseWhileStopping();
      const existing = this.sessions.get(options.alias);
      const same = existing && sameOptions(existing.options, options);
      const reused = same && (await kept(existing, interaction, this.log));
      if (reused) return reused;
      let adopted: string[] = [];
      const previous = existing && savedForm(existing, this.createdAt.get(existing.options.alias));
      if (existing) {
        // Same kubeconfig file: the new session takes over the old one's contexts, so the ones it no
        // longer writes (a cluster left out now) go at its first write and the others never blink.
        const sameFile = sameMergeTarget(existing.options, options);
        if (sameFile) adopted = existing.kubeconfig.contexts;
        await this.remove(options.alias, { keepKubeconfig: sameFile });
      }
      const session = await this.create(options, interaction, { contexts: adopted });
      return await this.startNew(session, signal, { previous, replaced: existing !== undefined });
    });
  }

  private async startNew(
    session: ManagedSession,
    signal: AbortSignal,
    { previous, replaced }: { previous: SavedSession | undefined; replaced: boolean },
  ): Promise<ConnectResult> {
    const host = session.options.alias;
    this.sessions.set(host, session);
    this.createdAt.set(host, new Date().toISOString());
    // The CLI that asked went away (Ctrl-C): the session it was starting goes too.
    const onAbort = () => void session.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // The session layer's load may take a while: a shutdown or a Ctrl-C meanwhile means no login.
      this.refuseWhileStopping();
      signal.throwIfAborted();
      await session.start();
      this.established.add(session);
      await this.persist(session);
      this.log('info', 'session forwarding', { host, forwards: session.listeners.snapshot().length });
      // Read after persist: the status is the session as it is now, the same entry `status` shows.
      return { status: session.status(), reused: false, replaced };
    } catch (error) {
      if (this.sessions.get(host) === session) this.sessions.delete(host);
      forgetSession(host);
      if (!previous) throw error;
      // A typo in the new options must not cost the user the tunnel that worked: bring it back.
      await bringBack(this.restoreTarget, previous, 'previous session restored after a failed replacement');
      throw previousRestored(error, host);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** What restore.ts may do with the sessions. */
  private readonly restoreTarget: RestoreTarget = {
    log: (level, message, fields) => this.log(level, message, fields),
    isStopping: () => this.stopping,
    has: (host) => this.sessions.has(host),
    inQueue: (host, work) => this.serialize(host, work),
    create: (options, interaction, from) => this.create(options, interaction, from),
    adopt: (session, saved) => {
      this.established.add(session);
      this.sessions.set(saved.options.alias, session);
      this.createdAt.set(saved.options.alias, saved.createdAt);
      void this.persist(session);
    },
  };

  status(host?: string): SessionStatus[] {
    const all = [...this.sessions.values()].map((session) => session.status());
    if (host === undefined) return all.sort((a, b) => a.host.localeCompare(b.host));
    const found = all.filter((entry) => entry.host === host);
    if (found.length === 0) throw noSession(host, [...this.sessions.keys()]);
    return found;
  }

  hosts(): string[] {
    return [...this.sessions.keys()].sort();
  }

  async disconnect(host: string, keepKubeconfig: boolean): Promise<DisconnectResult> {
    return this.serialize(host, async () => {
      if (!this.sessions.has(host)) throw noSession(host, [...this.sessions.keys()]);
      return await this.remove(host, { keepKubeconfig });
    });
  }

  /** The host's session re-reads k3d's clusters now (after `tunnel cluster create/delete`). */
  rediscover(host: string): Promise<{ refreshed: boolean }> {
    return this.serialize(host, async () => {
      const session = this.sessions.get(host);
      if (!session) throw noSession(host, [...this.sessions.keys()]);
      const refreshed = await session.rediscoverNow();
      const message = refreshed
        ? 'clusters re-read on request'
        : 're-discovery requested while not connected';
      this.log('info', message, { host });
      return { refreshed };
    });
  }

  /** Stops every session (listeners first, then connections); saved sessions stay for the next start. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.sessions.values()].map((session) => session.stop()));
    this.sessions.clear();
    await this.saves.settled();
  }

  private async create(
    options: SessionOptions,
    interaction: Interaction,
    from: SessionSeed = {},
  ): Promise<ManagedSession> {
    const host = options.alias;
    const { ManagedSession } = await this.load();
    return new ManagedSession({
      options,
      interaction,
      preferredPorts: from.ports,
      adoptContexts: from.contexts,
      log: (level, message, fields) => this.log(level, message, { host, ...fields }),
      onActivity: () => this.feed.traffic(),
      onChange: (session) => {
        this.feed.changed();
        const current = this.sessions.get(host) === session && this.established.has(session);
        if (current && session.snapshot().state.kind !== 'stopped') {
          void this.persist(session);
        }
      },
    });
  }

  private persist(session: ManagedSession): Promise<void> {
    return this.saves.save(savedForm(session, this.createdAt.get(session.options.alias)));
  }

  private async remove(
    host: string,
    { keepKubeconfig }: { keepKubeconfig: boolean },
  ): Promise<DisconnectResult> {
    const session = this.sessions.get(host);
    this.sessions.delete(host);
    forgetSession(host);
    if (!session) return { host, removedContexts: [], kubeconfigFile: null };
    return await endSession(session, keepKubeconfig, this.log);
  }

  private serialize<T>(host: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(host) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.queues.set(
      host,
      next.catch(() => {}),
    );
    return next;
  }

  private refuseWhileStopping(): void {
    if (this.stopping) throw shuttingDown();
  }
}
