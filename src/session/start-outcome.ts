// How a session's state changes read to the person waiting on start() or retryNow(): which states end
// that wait without forwarding, and the error they see then. Kept apart from managed-session.ts so the
// rule for "the first attempt failed" is in one small place.
import { TunnelError } from '../errors.js';
import type { SessionSnapshot } from '../supervisor/state.js';

export function failed(snapshot: SessionSnapshot): boolean {
  const kind = snapshot.state.kind;
  return kind === 'reconnecting' || kind === 'needs-answer' || kind === 'stopped';
}

/** Why an attempt did not reach forwarding, as the error the person who started it sees. */
export function failureOf(snapshot: SessionSnapshot): TunnelError {
  const error = snapshot.lastError;
  return new TunnelError((error?.code as never) ?? 'SSH_CONNECT', error?.message ?? 'session stopped', {
    hint: error?.hint,
  });
}
