// `tunnel connect --foreground`: the session the agent would run, supervised the same way, but in the
// calling process. The command renders its events; it never builds the session itself (cli/ does not
// reach session/). Until the first forwarding a failure rejects start(), so no "reconnecting" is
// announced for a retry that will not happen.
import type { SessionOptions } from '../config/resolve.js';
import type { SessionStatus } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import type { Logger } from '../log.js';
import { ManagedSession } from '../session/managed-session.js';

export type ForegroundEvent =
  | { kind: 'reconnecting'; error: string | undefined; nextAttemptAt: string }
  | { kind: 'forwarding-again' }
  /** A reconnect needs a person's answer (one-time code): no retries from here (see supervisor/answer-wait.ts). */
  | { kind: 'needs-answer'; error: string | undefined };

export interface ForegroundRequest {
  options: SessionOptions;
  interaction: Interaction;
  log: Logger;
  onEvent: (event: ForegroundEvent) => void;
}

export interface ForegroundSession {
  /** Resolves with the session's status once it forwards; rejects (stopped) when the first attempt fails. */
  start(): Promise<SessionStatus>;
  stop(): Promise<void>;
}

export function foregroundSession(request: ForegroundRequest): ForegroundSession {
  let forwarding = false;
  let lastState = '';
  const session = new ManagedSession({
    options: request.options,
    interaction: request.interaction,
    log: request.log,
    onChange: (current) => {
      const { state, lastError, reconnectCount } = current.snapshot();
      if (!forwarding || state.kind === lastState) return;
      lastState = state.kind;
      if (state.kind === 'reconnecting') {
        request.onEvent({
          kind: 'reconnecting',
          error: lastError?.message,
          nextAttemptAt: state.nextAttemptAt,
        });
      } else if (state.kind === 'needs-answer') {
        request.onEvent({ kind: 'needs-answer', error: lastError?.message });
      } else if (state.kind === 'forwarding' && reconnectCount > 0) {
        request.onEvent({ kind: 'forwarding-again' });
      }
    },
  });
  return {
    start: async () => {
      const status = await session.start();
      forwarding = true;
      lastState = 'forwarding';
      return status;
    },
    stop: () => session.stop(),
  };
}
