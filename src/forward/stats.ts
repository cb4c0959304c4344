// One listener's counters and health, as `status` shows them (ForwardStats), and the bookkeeping that
// keeps them: times held as epoch ms and formatted only in snapshot(), the remote check, the last error.
// Every change tells onActivity (the agent's status feed: a flag and one timer, so it must stay cheap).
import { emptyStats, type ForwardStats } from './types.js';

const isoTime = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export class ListenerStats {
  /** The live counters; HeldClients and pipeBoth add to theirs in place (a chunk must not allocate). */
  readonly counters: ForwardStats = emptyStats();
  /**
   * Epoch ms of lastActivityAt and remoteCheckedAt, formatted only in snapshot(): two or three
   * Date#toISOString per connection showed in the setup profile, and nothing reads them in between.
   */
  private lastActivityMs: number | undefined;
  private remoteCheckedMs: number | undefined;

  constructor(
    private readonly onActivity: (() => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A client connected (the caller tells the feed once it has held or served it). */
  accepted(): void {
    this.counters.total += 1;
    this.counters.open += 1;
    this.lastActivityMs = this.now();
  }

  /** A piped connection ended. */
  pipeEnded(): void {
    this.lastActivityMs = this.now();
  }

  /** An accepted socket closed. */
  closed(): void {
    this.counters.open -= 1;
    this.onActivity?.();
  }

  /** Whether the dev-server end accepted a connection (a served client or a health check). */
  recordRemote(answers: boolean, error?: string): void {
    this.counters.remoteAnswers = answers;
    this.remoteCheckedMs = this.now();
    this.counters.remoteError = answers ? undefined : error;
    this.onActivity?.();
  }

  /** The dev-server end changed: the last check was of the old one. */
  forgetRemote(): void {
    this.counters.remoteAnswers = undefined;
    this.remoteCheckedMs = undefined;
    this.counters.remoteError = undefined;
  }

  recordError(message: string): void {
    this.counters.lastError = message;
    this.counters.lastErrorAt = new Date(this.now()).toISOString();
    this.onActivity?.();
  }

  /** A copy, with the times formatted. */
  snapshot(): ForwardStats {
    const stats = { ...this.counters };
    stats.lastActivityAt = isoTime(this.lastActivityMs);
    stats.remoteCheckedAt = isoTime(this.remoteCheckedMs);
    return stats;
  }
}
