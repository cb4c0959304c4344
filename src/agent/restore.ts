// Bringing saved sessions back after a restart, and the lazy load of the session layer they need. The
// agent (agent.ts) owns the sessions; this file only asks it to create, adopt and queue them.
import type { SessionOptions } from '../config/resolve.js';
import type { Interaction } from '../devserver/connect.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';
import { restoreTieringBudget } from './node-flags.js';
import { loadSessions, type SavedSession } from './store.js';

type SessionModule = typeof import('../session/managed-session.js');

export type SessionLoader = () => Promise<SessionModule>;

/** Keeps the loaded session layer; a failed load is not kept, so the next session tries again. */
export function sessionLoader(load: SessionLoader): SessionLoader {
  let loading: Promise<SessionModule> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

/**
 * The session layer (ssh2, yaml, the supervisor: ~60 modules), loaded with the first session rather than
 * at start: an agent with no session (the login item's at boot, one whose sessions were disconnected)
 * then stays near Node's own footprint (the bench's idle agent: 69.7 → 52.3 MiB RSS, docs/performance.md).
 * Known limit: an agent started before a rebuild of the same VERSION loads the new session modules over
 * the old agent modules it already holds (one process, two builds); a different VERSION replaces the
 * agent instead (autostart.ts compares the hello's version).
 */
export const loadSessionModule = sessionLoader(() => {
  // Start-up is over and the data path is about to run: V8 tiers up at its usual pace again.
  restoreTieringBudget();
  return import('../session/managed-session.js');
});

/** What a new session starts from: a saved session's ports, the contexts of the one it replaces. */
export interface SessionSeed {
  ports?: ReadonlyMap<string, number>;
  contexts?: readonly string[];
}

/** What restoring asks of the agent. */
export interface RestoreTarget {
  log: Logger;
  /** True once the agent stops: no session starts after that. */
  isStopping(): boolean;
  /** True when the host already has a session (a connect during the load came first). */
  has(host: string): boolean;
  /** Runs work in the host's queue, after the requests for that host already in it. */
  inQueue(host: string, work: () => Promise<void>): Promise<void>;
  create(options: SessionOptions, interaction: Interaction, from?: SessionSeed): Promise<ManagedSession>;
  /** Makes the session the host's current one and saves it. */
  adopt(session: ManagedSession, saved: SavedSession): void;
}

/** Runs a saved session again; it retries by itself until it forwards. */
export async function bringBack(target: RestoreTarget, saved: SavedSession, why: string): Promise<void> {
  const session = await target.create(saved.options, {}, saved);
  // A shutdown during the load: stopAll() already ran, so a session started now would outlive it. Not
  // started yet, so dropping it is all it takes.
  if (target.isStopping()) return;
  target.adopt(session, saved);
  target.log('info', why, { host: saved.options.alias });
  session.resume();
}

/**
 * Brings back every saved session, each in its host's queue (a connect that came in while the session
 * layer loaded has the last word). `count` is known at once; `done` never rejects: a session that fails
 * to come back is logged and the others still come.
 */
export function restoreSaved(target: RestoreTarget): { count: number; done: Promise<number> } {
  let found: ReturnType<typeof loadSessions>;
  try {
    found = loadSessions();
  } catch (error) {
    // The agent still answers and still stops: a state directory it cannot read loses no more than this.
    target.log('error', `saved sessions not read: ${describeError(error)}`);
    return { count: 0, done: Promise.resolve(0) };
  }
  const { sessions, problems } = found;
  for (const problem of problems) {
    target.log('error', `saved session ${problem.file} is unreadable and was moved aside`, problem);
  }
  const each = sessions.map((saved) => {
    const host = saved.options.alias;
    return target
      .inQueue(host, async () => {
        if (target.isStopping() || target.has(host)) return;
        await bringBack(target, saved, 'session restored');
      })
      .catch((error: unknown) => {
        target.log('error', `saved session not restored: ${describeError(error)}`, { host });
      });
  });
  return { count: sessions.length, done: Promise.all(each).then(() => sessions.length) };
}
