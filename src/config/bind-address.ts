// The bind address as every part of tunnel uses it. A leaf beside defaults.ts: restoring a saved session
// (control/) needs it on `tunnel status`'s path, where setting-checks.ts's imports would not belong.
import { DEFAULT_BIND_ADDRESS } from './defaults.js';

/**
 * `localhost` (any case, with or without the root dot) → 127.0.0.1; any other value as it is. Node's
 * listen() resolves a name with the system resolver, which on macOS answers ::1 first, while the
 * kubeconfig, status and doctor say 127.0.0.1 (see checkBind in setting-checks.ts).
 */
export function normalizeBindAddress(value: string): string {
  return /^localhost\.?$/i.test(value) ? DEFAULT_BIND_ADDRESS : value;
}
