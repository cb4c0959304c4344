// Which transport carries a connection (issue 12): ssh2 by default, OpenSSH when the user says so or
// when `auto` finds something ssh2 cannot do, before login (ssh/ssh2-limits.ts) or during it (an
// SSH_UNSUPPORTED failure). Pure: the caller (connect.ts) gathers the limits and opens the link. The
// reason is shown once to the user ("via OpenSSH: <reason>"), so it is one bounded line.
import type { TransportSetting } from '../config/defaults.js';
import type { TransportInfo } from '../ssh/types.js';

/** Long enough for two or three limits; a status line must stay readable. */
const MAX_REASON = 300;

function oneLine(text: string): string {
  const line = text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return line.length > MAX_REASON ? `${line.slice(0, MAX_REASON - 1)}…` : line;
}

/**
 * `ssh2`/`openssh`: as asked, no reason (the user chose). `auto`: OpenSSH when ssh2 has limits for this
 * host (the reason says which), else ssh2.
 */
export function chooseTransport(setting: TransportSetting, limits: readonly string[]): TransportInfo {
  if (setting === 'ssh2' || setting === 'openssh') return { kind: setting, reason: undefined };
  if (limits.length === 0) return { kind: 'ssh2', reason: undefined };
  return { kind: 'openssh', reason: oneLine(limits.join('; ')) };
}

/**
 * Under auto, whether an ssh2 failure should be retried with OpenSSH: the reason when it is
 * SSH_UNSUPPORTED (no common algorithm, only keys or methods ssh2 cannot use), else undefined. Any other
 * failure (refused, wrong password, changed host key) would fail the same way in OpenSSH, or worse, ask
 * a second time.
 */
export function shouldFallBack(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'SSH_UNSUPPORTED') return undefined;
  return oneLine(typeof message === 'string' && message !== '' ? message : 'ssh2 cannot log in to this host');
}
