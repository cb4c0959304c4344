// The agent's sessions, one per host: connect (replace or reuse), status, disconnect, restore after a
// restart, and the ordered stop of all of them. Requests for one host run one at a time; different
// hosts never wait for each other. Knows nothing of sockets: the control handlers call in here.
import type { SessionOptions } from '../config/resolve.js';
import type { DisconnectResult } from '../control/protocol.js';
import type { SessionStatus, StatusDocument } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import { describeError, isTunnelError, TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';
import { noSession, sameMergeTarget, sameOptions } from './session-match.js';
import { StatusFeed } from './status-feed.js';
import { forgetSession, loadSessions, type SavedSession, saveSession } from './store.js';

/**
 * The session layer (ssh2, yaml, the supervisor: ~60 modules), loaded with the first session rather than
 * at start: an agent with no session (the login item's at boot, one whose sessions were disconnected)
 * then stays near Node's own footprint (the bench's idle agent: 69.7 → 52.3 MiB RSS, docs/performance.md).
 */
let sessionModule: Promise<typeof import('../session/managed-session.js')> | undefined;
export function loadSessionModule(): Promise<typeof import('../session/managed-session.js')> {
  sessionModule ??= import('../session/managed-session.js');
  return sessionModule;
}

export interface ConnectResult {
  /** The session's entry of the status document, once it forwards. */
  status: SessionStatus;
  /** True when an identical session was already forwarding and was left as it was. */
  reused: boolean;
  replaced: boolean;
}

export class Agent {
  /** Tells `watch` requests when a session changed or a forward carried traffic. */
  readonly feed = new StatusFeed<StatusDocument>();
  private readonly sessions = new Map<string, ManagedSession>();
  private readonly createdAt = new Map<string, string>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Sessions that forwarded at least once: only these are saved (a failed first connect leaves nothing). */
  private readonly established = new WeakSet<ManagedSession>();
  private stopping = false;
  /** Saves under way (most are fire-and-forget from onChange); stopAll waits for them. */
  private readonly saving = new Set<Promise<void>>();
  /** Connect requests received and not yet answered (waiting for their host's queue included). */
  private connecting = 0;

  constructor(private readonly log: Logger) {}

  /**
   * Brings back every saved session; each retries by itself until it forwards again. In its host's queue:
   * a connect that came in while the session layer loaded has the last word.
   */
  async restore(): Promise<number> {
    const { sessions, problems } = loadSessions();
    for (const problem of problems) {
      this.log('error', `saved session ${problem.file} is unreadable and was moved aside`, problem);
    }
    // Counted as connects under way, so `shutdown {ifIdle}` does not find the agent idle meanwhile.
    this.connecting += sessions.length;
    await Promise.all(
      sessions.map((saved) =>
        this.serialize(saved.options.alias, async () => {
          if (this.stopping || this.sessions.has(saved.options.alias)) return;
          await this.bringBack(saved, 'session restored');
        }).finally(() => {
          this.connecting--;
        }),
      ),
    );
    return sessions.length;
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
      if (
        existing &&
        sameOptions(existing.options, options) &&
        existing.snapshot().state.kind === 'forwarding'
      ) {
        return { status: existing.status(), reused: true, replaced: false };
      }
      if (
        existing &&
        sameOptions(existing.options, options) &&
        existing.snapshot().state.kind === 'needs-answer'
      ) {
        // Its login waits for a person: this one answers it. The same session, listeners never closed.
        const status = await existing.retryNow(interaction);
        this.log('info', 'session forwarding again: the login was answered', { host: options.alias });
        return { status, reused: false, replaced: false };
      }
      let adopted: string[] = [];
      const previous = existing && this.savedForm(existing);
      if (existing) {
        // Same kubeconfig file: the new session takes over the old one's contexts, so the ones it no
        // longer writes (a cluster left out now) go at its first write and the others never blink.
        const sameFile = sameMergeTarget(existing.options, options);
        if (sameFile) adopted = existing.kubeconfig.contexts;
        await this.remove(options.alias, { keepKubeconfig: sameFile });
      }
      const session = await this.create(options, interaction, undefined, adopted);
      this.sessions.set(options.alias, session);
      this.createdAt.set(options.alias, new Date().toISOString());
      // The CLI that asked went away (Ctrl-C): the session it was starting goes too.
      const onAbort = () => void session.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        await session.start();
        this.established.add(session);
        await this.persist(session);
        const forwards = session.listeners.snapshot().length;
        this.log('info', 'session forwarding', { host: options.alias, forwards });
        // Read after persist: the status is the session as it is now, the same entry `status` shows.
        return { status: session.status(), reused: false, replaced: existing !== undefined };
      } catch (error) {
        if (this.sessions.get(options.alias) === session) this.sessions.delete(options.alias);
        forgetSession(options.alias);
        if (!previous) throw error;
        // A typo in the new options must not cost the user the tunnel that worked: bring it back.
        await this.bringBack(previous, 'previous session restored after a failed replacement');
        throw new TunnelError(isTunnelError(error) ? error.code : 'INTERNAL', describeError(error), {
          hint: [
            isTunnelError(error) ? error.hint : undefined,
            `The previous session for ${options.alias} was restored: tunnel status ${options.alias}`,
          ]
            .filter(Boolean)
            .join('\n'),
          cause: error,
        });
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    });
  }

  /** What restore() needs to bring a session back later. */
  private savedForm(session: ManagedSession): SavedSession {
    const host = session.options.alias;
    return {
      options: session.options,
      ports: session.localPorts(),
      contexts: session.kubeconfig.contexts,
      createdAt: this.createdAt.get(host) ?? new Date().toISOString(),
    };
  }

  /** Runs a saved session again; it retries by itself until it forwards. */
  private async bringBack(saved: SavedSession, why: string): Promise<void> {
    const session = await this.create(saved.options, {}, saved.ports, saved.contexts);
    this.established.add(session);
    this.sessions.set(saved.options.alias, session);
    this.createdAt.set(saved.options.alias, saved.createdAt);
    void this.persist(session);
    this.log('info', why, { host: saved.options.alias });
    session.resume();
  }

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
    // A save still being written when the agent exits is a torn write or a file the next start finds
    // half there: let the ones under way finish (persist never rejects).
    await Promise.all(this.saving);
  }

  private async create(
    options: SessionOptions,
    interaction: Interaction,
    ports?: ReadonlyMap<string, number>,
    contexts?: readonly string[],
  ): Promise<ManagedSession> {
    const host = options.alias;
    const { ManagedSession } = await loadSessionModule();
    return new ManagedSession({
      options,
      interaction,
      preferredPorts: ports,
      adoptContexts: contexts,
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
    const host = session.options.alias;
    const saving = saveSession(this.savedForm(session)).catch((error: unknown) => {
      this.log('error', `could not save the session: ${describeError(error)}`, { host });
    });
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
    return saving;
  }

  private async remove(
    host: string,
    { keepKubeconfig }: { keepKubeconfig: boolean },
  ): Promise<DisconnectResult> {
    const session = this.sessions.get(host);
    this.sessions.delete(host);
    forgetSession(host);
    if (!session) return { host, removedContexts: [], kubeconfigFile: null };
    await session.stop();
    const file = session.kubeconfig.report.file ?? null;
    let contexts = { removed: [] as string[], left: [] as string[] };
    if (!keepKubeconfig) {
      try {
        contexts = await session.kubeconfig.remove();
      } catch (error) {
        this.log('warn', `kubeconfig entries not removed: ${describeError(error)}`, { host });
      }
    }
    this.log('info', 'session disconnected', { host, removedContexts: contexts.removed });
    return { host, removedContexts: contexts.removed, leftContexts: contexts.left, kubeconfigFile: file };
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
    if (this.stopping) {
      throw new TunnelError('AGENT', 'the agent is shutting down', { hint: 'Retry in a moment.' });
    }
  }
}
