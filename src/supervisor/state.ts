// What a session is doing, as data: a closed union the supervisor moves through and `status` renders.
// Timestamps are ISO strings so a snapshot crosses the control socket as JSON unchanged.
import { describeError, isTunnelError } from '../errors.js';
import type { ForwardSnapshot } from '../forward/types.js';
import type { ConnectionEnd } from './ports.js';

/** A failure as the user sees it: what happened and what to do about it. */
export interface SessionError {
  message: string;
  hint: string | undefined;
  /** TunnelError code when there is one, else undefined. */
  code: string | undefined;
  at: string;
}

export type SessionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'forwarding'; connectedAt: string }
  | { kind: 'reconnecting'; attempt: number; nextAttemptAt: string; lastError: SessionError }
  /** The login needs a person's answer (a one-time code): no retries until `tunnel connect` brings one. */
  | { kind: 'needs-answer'; lastError: SessionError }
  | { kind: 'stopped' };

export type SessionStateKind = SessionState['kind'];

export interface SessionSnapshot {
  state: SessionState;
  /** When the session entered its current state. */
  since: string;
  /**
   * While connecting, reconnecting or needing an answer: when the link was lost (or the session started without one),
   * kept across attempts, so "down for" does not restart with each. Undefined while forwarding.
   */
  downSince: string | undefined;
  /** Connections lost after having been established (failed connect attempts do not count). */
  reconnectCount: number;
  /** The most recent failure, kept after recovery so `status` can say what last went wrong. */
  lastError: SessionError | undefined;
  forwards: ForwardSnapshot[];
}

/** The hint a lost connection gets, by why it ended. */
function hintForClose(kind: ConnectionEnd['kind']): string | undefined {
  if (kind === 'keepalive') {
    return 'The dev server stopped answering (network down, VPN dropped, or this machine slept). Reconnecting by itself.';
  }
  if (kind === 'remote')
    return 'The dev server closed the connection (sshd restarted or it rebooted). Reconnecting by itself.';
  return undefined;
}

export function errorFromClose(reason: ConnectionEnd, at: Date): SessionError {
  return {
    message: `connection lost: ${reason.message}`,
    hint: hintForClose(reason.kind),
    code: undefined,
    at: at.toISOString(),
  };
}

export function errorFromThrown(error: unknown, at: Date): SessionError {
  const tunnel = isTunnelError(error) ? error : undefined;
  return { message: describeError(error), hint: tunnel?.hint, code: tunnel?.code, at: at.toISOString() };
}
