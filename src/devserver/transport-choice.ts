// STUB (wiring helper): the "algos" helper writes the real transport choice; this placeholder keeps
// devserver/connect.ts compiling until the merge, and must be replaced by algos' version.
import type { TransportSetting } from '../config/defaults.js';
import { isTunnelError } from '../errors.js';

export interface TransportChoice {
  kind: 'ssh2' | 'openssh';
  /** Why auto chose OpenSSH, in the words shown to the user; undefined for ssh2 or an explicit choice. */
  reason: string | undefined;
}

export function chooseTransport(setting: TransportSetting, limits: string[]): TransportChoice {
  if (setting === 'ssh2') return { kind: 'ssh2', reason: undefined };
  if (setting === 'openssh') return { kind: 'openssh', reason: undefined };
  return limits.length > 0
    ? { kind: 'openssh', reason: limits.join('; ') }
    : { kind: 'ssh2', reason: undefined };
}

/** Why auto retries with OpenSSH after ssh2 failed this way, or undefined when it should not. */
export function shouldFallBack(error: unknown): string | undefined {
  return isTunnelError(error) && error.code === 'SSH_UNSUPPORTED' ? error.message : undefined;
}
