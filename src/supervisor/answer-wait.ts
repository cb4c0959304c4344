// The needs-answer state's wait. A login that needs a person (a one-time code after a network drop, a
// password) cannot be retried on a timer: each try without the answer is a failed login, and enough of
// them lock the account. So the session waits here, listeners bound, until someone brings the answer
// (`tunnel connect <host>` → Supervisor.retryNow) or the session stops. No timer, no wake retries.
import type { SessionError } from './state.js';

/** The error code a login gets when it needed an answer nobody could give (errors.ts). */
export const NEEDS_ANSWER_CODE = 'SSH_NEEDS_ANSWER';

export function needsAnswer(error: SessionError): boolean {
  return error.code === NEEDS_ANSWER_CODE;
}

/** The agent log's line, once per entry into the state. */
export function needsAnswerLine(error: SessionError): string {
  return `waiting for you: ${error.message}; not retrying by itself (that could lock the account) — run: tunnel connect <host>`;
}

export class AnswerWait {
  private answered: AbortController | undefined;

  get waiting(): boolean {
    return this.answered !== undefined;
  }

  /** Resolves when release() is called or `signal` aborts; onWaiting runs once the wait is armed. */
  async wait(signal: AbortSignal, onWaiting?: () => void): Promise<void> {
    const answered = new AbortController();
    this.answered = answered;
    onWaiting?.();
    try {
      await new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const done = () => {
          signal.removeEventListener('abort', done);
          answered.signal.removeEventListener('abort', done);
          resolve();
        };
        signal.addEventListener('abort', done, { once: true });
        answered.signal.addEventListener('abort', done, { once: true });
      });
    } finally {
      if (this.answered === answered) this.answered = undefined;
    }
  }

  /** Ends the wait (an attempt starts now); false when nothing was waiting. */
  release(): boolean {
    const answered = this.answered;
    if (!answered) return false;
    this.answered = undefined;
    answered.abort();
    return true;
  }
}
