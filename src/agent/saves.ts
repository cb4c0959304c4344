// The agent's writes of its sessions to disk (store.ts), tracked so a stop can wait for them.
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';
import { type SavedSession, saveSession } from './store.js';

/** What restore() needs to bring a session back later. */
export function savedForm(session: ManagedSession, createdAt: string | undefined): SavedSession {
  return {
    options: session.options,
    ports: session.localPorts(),
    contexts: session.kubeconfig.contexts,
    createdAt: createdAt ?? new Date().toISOString(),
  };
}

export class Saves {
  /** Saves under way (most are fire-and-forget from onChange); stopAll waits for them. */
  private readonly saving = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /** Never rejects: a failed save is logged. */
  save(saved: SavedSession): Promise<void> {
    const host = saved.options.alias;
    const saving = saveSession(saved).catch((error: unknown) => {
      this.log('error', `could not save the session: ${describeError(error)}`, { host });
    });
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
    return saving;
  }

  /**
   * A save still being written when the agent exits is a torn write or a file the next start finds
   * half there: the ones under way finish first.
   */
  async settled(): Promise<void> {
    await Promise.all(this.saving);
  }
}
