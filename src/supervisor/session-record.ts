// The session's state as others see it: the current state, since when, how long the link has been
// down, how often it came back, the last failure, and who hears each change. Kept apart from the loop in
// supervisor.ts so the loop decides what happens and this only records it (and the "down for" rule lives
// in one place).
import type { Logger } from '../log.js';
import type { Clock, ForwardsPort } from './ports.js';
import { errorFromThrown, type SessionError, type SessionSnapshot, type SessionState } from './state.js';

export interface SessionRecordInput {
  clock: Clock;
  log: Logger;
  forwards: ForwardsPort;
  onChange?: (snapshot: SessionSnapshot) => void;
}

export class SessionRecord {
  state: SessionState = { kind: 'connecting', attempt: 1 };
  reconnectCount = 0;
  lastError: SessionError | undefined;
  private since: Date;
  /** When the session last lost its link (or started without one); undefined while forwarding. */
  private downSince: Date | undefined;

  constructor(private readonly input: SessionRecordInput) {
    this.since = new Date(input.clock.now());
    this.downSince = this.since;
  }

  snapshot(): SessionSnapshot {
    return {
      state: this.state,
      since: this.since.toISOString(),
      downSince: this.downSince?.toISOString(),
      reconnectCount: this.reconnectCount,
      lastError: this.lastError,
      forwards: this.input.forwards.snapshot(),
    };
  }

  enter(state: SessionState): void {
    this.state = state;
    this.since = new Date(this.input.clock.now());
    // "down for" counts from the loss across every attempt, not from the latest one.
    if (state.kind === 'forwarding' || state.kind === 'stopped') this.downSince = undefined;
    else this.downSince ??= this.since;
    this.input.log('debug', `session ${state.kind}`, state);
    this.input.onChange?.(this.snapshot());
  }

  /** Keeps a failure that leaves the session running (a re-read, a port) as its last error. */
  noteError(error: unknown): SessionError {
    this.lastError = errorFromThrown(error, new Date(this.input.clock.now()));
    return this.lastError;
  }
}
