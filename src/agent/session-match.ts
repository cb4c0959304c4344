// How the agent compares a connect with the session it has, and the errors its requests end with.
import type { SessionOptions } from '../config/resolve.js';
import type { SessionStatus } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import { describeError, isTunnelError, TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ManagedSession } from '../session/managed-session.js';

export interface ConnectResult {
  /** The session's entry of the status document, once it forwards. */
  status: SessionStatus;
  /** True when an identical session was already forwarding and was left as it was. */
  reused: boolean;
  replaced: boolean;
}

export function sameOptions(a: SessionOptions, b: SessionOptions): boolean {
  // --accept-new-host-key only concerns the first connect; it is never kept (see store.ts). The askpass
  // program says how a question is answered, not what is forwarded: a connect from a terminal must not
  // replace (and re-bind) a session a script started with SSH_ASKPASS.
  const plain = (options: SessionOptions) =>
    JSON.stringify({
      ...options,
      acceptNewHostKey: false,
      askpass: undefined,
      maps: [...options.maps.entries()],
    });
  return plain(a) === plain(b);
}

/**
 * A connect with the same options as the host's session keeps it: still forwarding, or its login
 * answered now. Undefined: the session is replaced.
 */
export async function kept(
  existing: ManagedSession,
  interaction: Interaction,
  log: Logger,
): Promise<ConnectResult | undefined> {
  const kind = existing.snapshot().state.kind;
  if (kind === 'forwarding') return { status: existing.status(), reused: true, replaced: false };
  if (kind !== 'needs-answer') return undefined;
  // Its login waits for a person: this one answers it. The same session, listeners never closed.
  const status = await existing.retryNow(interaction);
  log('info', 'session forwarding again: the login was answered', { host: existing.options.alias });
  return { status, reused: false, replaced: false };
}

/** Whether both sessions merge into the same kubeconfig file (where contexts can be handed over). */
export function sameMergeTarget(a: SessionOptions, b: SessionOptions): boolean {
  return (
    a.kubeconfig.kind === 'merge' && b.kubeconfig.kind === 'merge' && a.kubeconfig.file === b.kubeconfig.file
  );
}

export function noSession(host: string, hosts: string[]): TunnelError {
  const running = hosts.length > 0 ? `Sessions: ${hosts.join(', ')}.` : 'No session is running.';
  return new TunnelError('STATE', `no session for ${host}. ${running}`, {
    hint: `Start one with: tunnel connect ${host}`,
  });
}

/** A replacement that failed, after the session it replaced was brought back. */
export function previousRestored(error: unknown, host: string): TunnelError {
  const hint = [
    isTunnelError(error) ? error.hint : undefined,
    `The previous session for ${host} was restored: tunnel status ${host}`,
  ];
  return new TunnelError(isTunnelError(error) ? error.code : 'INTERNAL', describeError(error), {
    hint: hint.filter(Boolean).join('\n'),
    cause: error,
  });
}

export function shuttingDown(): TunnelError {
  return new TunnelError('AGENT', 'the agent is shutting down', { hint: 'Retry in a moment.' });
}
