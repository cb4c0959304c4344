// The checks every option value passes wherever it comes from: a flag, `tunnel config set`, or the
// settings file; an error names the flag or the setting to fix. Pure: no I/O, no env.
import net from 'node:net';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import { normalizeBindAddress } from './bind-address.js';
import type { TransportSetting } from './defaults.js';
import { parseDuration } from './duration.js';
import { type MapSpecs, splitMaps } from './service-checks.js';
import type { SettingKey } from './setting-keys.js';

/** Where a value came from, so an error names the flag or the setting the user has to fix. */
export type ValueSource = { flag: string } | { key: SettingKey; host: string };

export function sourceLabel(source: ValueSource): string {
  return 'flag' in source ? source.flag : `setting ${source.key} for ${source.host}`;
}

/** The value named with its source: `--bind banana`, or `setting bind "banana" for devserver`. */
function subject(source: ValueSource, shownValue: string): string {
  return 'flag' in source
    ? `${source.flag} ${shownValue}`
    : `setting ${source.key} ${shownValue} for ${source.host}`;
}

function invalid(source: ValueSource, value: string, problem: string, example: string): UsageError {
  // Flags keep their historic shape (--bind banana: …); settings quote the value, which came from a file.
  const shown = 'flag' in source ? value : JSON.stringify(value);
  const hint =
    'flag' in source
      ? `For example: ${source.flag} ${example}`
      : `For example: tunnel config set ${source.host} ${source.key} ${example}`;
  return new UsageError(`${subject(source, shown)}: ${problem}`, hint);
}

/**
 * The bind address as every part of tunnel uses it. `localhost` becomes 127.0.0.1 here, the one place a
 * bind address is read (flag, setting, `config set`): Node's listen() resolves a name with the system
 * resolver, which on macOS answers ::1 first, so the forwards listened on [::1] while the kubeconfig (and
 * status, and doctor) said 127.0.0.1, and kubectl found nothing there. Not both addresses: a second
 * listener per forward would need the port free twice, and the kubeconfig can name only one server;
 * 127.0.0.1 is the default everyone already uses.
 */
export function checkBind(value: string, source: ValueSource): string {
  if (normalizeBindAddress(value) === '127.0.0.1') return '127.0.0.1';
  if (net.isIP(value) === 0) {
    throw invalid(source, value, 'not an IP address; use an address of this machine', '127.0.0.1');
  }
  return value;
}

export function checkContextTemplate(value: string, source: ValueSource): string {
  if (!value.includes('{cluster}')) {
    throw invalid(
      source,
      value,
      'must contain {cluster}, or every cluster would get the same context',
      '"{cluster}-dev"',
    );
  }
  return value;
}

/** `--map` values: `REMOTE:LOCAL` host-port pins and `NAMESPACE/NAME:PORT:LOCAL` Service pins. */
export function checkMaps(specs: readonly string[], source: ValueSource): MapSpecs {
  try {
    return splitMaps(specs);
  } catch (error) {
    if ('flag' in source || !(error instanceof UsageError)) throw error;
    // parsePortMaps speaks of "--map …"; say which setting it was instead.
    throw new UsageError(`${sourceLabel(source)} ${error.message.replace(/^--map /, '')}`, error.hint);
  }
}

export function checkDuration(value: string, source: ValueSource): number {
  return parseDuration(value, 'flag' in source ? source.flag : (shown) => subject(source, shown));
}

export function checkClusters(names: readonly string[], source: ValueSource): string[] {
  for (const name of names) {
    if (!isSafeClusterName(name)) {
      throw invalid(source, name, 'not a k3d cluster name (letters, digits and inner dashes)', 'my-app');
    }
  }
  return [...names];
}

export function checkKubeconfig(value: string, source: ValueSource): string {
  if (value !== 'none' && !path.isAbsolute(value)) {
    throw invalid(source, value, 'must be an absolute file path, or none', '/home/me/.kube/dev.yaml');
  }
  return value;
}

export const TRANSPORT_SETTINGS: readonly TransportSetting[] = ['auto', 'ssh2', 'openssh'];

export function checkTransport(value: string, source: ValueSource): TransportSetting {
  const setting = TRANSPORT_SETTINGS.find((known) => known === value);
  if (setting === undefined) {
    throw invalid(
      source,
      value,
      'not a transport; use auto (ssh2 unless the host needs what only OpenSSH does), ssh2, or openssh (the system ssh)',
      'openssh',
    );
  }
  return setting;
}
