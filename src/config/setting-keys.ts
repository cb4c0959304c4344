// The keys of per-host settings, their shapes, and how a value is read from `tunnel config set`'s words or
// the settings file. Pure: no I/O, no env. The checks each value passes are setting-checks.ts; the store
// is settings.ts.
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { ServicesMode } from '../plan/types.js';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_CONTEXT_TEMPLATE,
  DEFAULT_EXCLUDED_NAMESPACES,
  DEFAULT_HOLD_TIMEOUT_MS,
  DEFAULT_REDISCOVER_INTERVAL_MS,
  DEFAULT_SERVICES_MODE,
  DEFAULT_TRANSPORT,
  type TransportSetting,
} from './defaults.js';
import { formatDuration } from './duration.js';
import { checkNamespaces, checkSelector, checkServicesMode } from './service-checks.js';
import {
  checkBind,
  checkClusters,
  checkContextTemplate,
  checkDuration,
  checkKubeconfig,
  checkMaps,
  checkTransport,
  sourceLabel,
  type ValueSource,
} from './setting-checks.js';

export const SETTING_KEYS = [
  'cluster',
  'map',
  'bind',
  'holdTimeout',
  'rediscoverInterval',
  'contextName',
  'kubeconfig',
  'switchContext',
  'transport',
  'services',
  'namespace',
  'excludeNamespace',
  'selector',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** One host's saved defaults for `connect`. Durations are kept as text ('45s') so the file reads well. */
export interface HostSettings {
  cluster?: string[];
  map?: string[];
  bind?: string;
  holdTimeout?: string;
  rediscoverInterval?: string;
  contextName?: string;
  /** An absolute file path (standalone kubeconfig), or 'none'. */
  kubeconfig?: string;
  switchContext?: boolean;
  /** Which SSH implementation carries the session (auto: ssh2 unless the host needs OpenSSH). */
  transport?: TransportSetting;
  /** Which Services are forwarded beyond k3d's mappings: mapped, nodeport or all. */
  services?: ServicesMode;
  /** Only Services in these namespaces. */
  namespace?: string[];
  /** Never Services in these namespaces (instead of kube-system); ['none'] = exclude nothing. */
  excludeNamespace?: string[];
  /** Only Services matching this label selector. */
  selector?: string;
}

type Shape = 'list' | 'text' | 'boolean';

interface KeySpec {
  shape: Shape;
  /** What applies when the key is not set, for `config get` and help. */
  fallback: string;
  /** Validates a value of the right shape and returns it as it is stored. */
  normalize(value: never, source: ValueSource): string | string[] | boolean;
}

export const KEY_SPECS: { readonly [K in SettingKey]: KeySpec } = {
  cluster: { shape: 'list', fallback: 'every running cluster', normalize: checkClusters },
  map: {
    shape: 'list',
    fallback: 'no pinned ports',
    normalize: (specs: string[], source: ValueSource) => {
      checkMaps(specs, source);
      return [...specs];
    },
  },
  bind: { shape: 'text', fallback: DEFAULT_BIND_ADDRESS, normalize: checkBind },
  holdTimeout: {
    shape: 'text',
    fallback: formatDuration(DEFAULT_HOLD_TIMEOUT_MS),
    normalize: (text: string, source: ValueSource) => formatDuration(checkDuration(text, source)),
  },
  rediscoverInterval: {
    shape: 'text',
    fallback: formatDuration(DEFAULT_REDISCOVER_INTERVAL_MS),
    normalize: (text: string, source: ValueSource) => formatDuration(checkDuration(text, source)),
  },
  contextName: { shape: 'text', fallback: DEFAULT_CONTEXT_TEMPLATE, normalize: checkContextTemplate },
  kubeconfig: {
    shape: 'text',
    fallback: 'merge into $KUBECONFIG or ~/.kube/config',
    normalize: checkKubeconfig,
  },
  switchContext: { shape: 'boolean', fallback: 'false', normalize: (value: boolean) => value },
  transport: { shape: 'text', fallback: DEFAULT_TRANSPORT, normalize: checkTransport },
  services: { shape: 'text', fallback: DEFAULT_SERVICES_MODE, normalize: checkServicesMode },
  namespace: { shape: 'list', fallback: 'every namespace not excluded', normalize: checkNamespaces },
  excludeNamespace: {
    shape: 'list',
    fallback: DEFAULT_EXCLUDED_NAMESPACES.join(', '),
    normalize: checkNamespaces,
  },
  selector: {
    shape: 'text',
    fallback: 'every Service',
    normalize: (text: string, source: ValueSource) => checkSelector(text, source),
  },
};

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/** A key as typed on the command line: `holdTimeout` or, like the flag, `hold-timeout`. */
export function parseSettingKey(word: string): SettingKey {
  const key = word.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  if (!isSettingKey(key)) {
    throw new UsageError(`unknown setting ${JSON.stringify(word)}`, `Valid keys: ${SETTING_KEYS.join(', ')}`);
  }
  return key;
}

/** The value of `key` from the words after `tunnel config set <host> <key>`. */
export function settingFromWords(
  key: SettingKey,
  words: readonly string[],
  host: string,
): HostSettings[SettingKey] {
  const spec = KEY_SPECS[key];
  const source = { key, host };
  if (spec.shape === 'list') return spec.normalize(words as never, source);
  if (words.length !== 1) {
    throw new UsageError(`${key} takes one value, got ${words.length}`, `For example: ${example(key, host)}`);
  }
  const word = words[0] ?? '';
  if (spec.shape === 'boolean') {
    if (word !== 'true' && word !== 'false') {
      throw new UsageError(`${key} must be true or false, not ${JSON.stringify(word)}`);
    }
    return word === 'true';
  }
  // A relative kubeconfig path means relative to where the user typed it, not to wherever connect runs.
  const text = key === 'kubeconfig' && word !== 'none' ? path.resolve(word) : word;
  return spec.normalize(text as never, source);
}

/** The value of `key` as read from the settings file; a wrong type or value throws a UsageError naming it. */
export function settingFromJson(key: SettingKey, value: unknown, host: string): HostSettings[SettingKey] {
  const spec = KEY_SPECS[key];
  const source = { key, host };
  const wrongType = (expected: string) =>
    new UsageError(`${sourceLabel(source)}: must be ${expected}, not ${JSON.stringify(value)}`);
  if (spec.shape === 'list') {
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      throw wrongType('a list of strings');
    }
    return spec.normalize(value as never, source);
  }
  if (spec.shape === 'boolean') {
    if (typeof value !== 'boolean') throw wrongType('true or false');
    return value;
  }
  if (typeof value !== 'string') throw wrongType('a string');
  return spec.normalize(value as never, source);
}

function example(key: SettingKey, host: string): string {
  const samples: Record<SettingKey, string> = {
    cluster: 'my-app api',
    map: '8080:18080 3000:13000',
    bind: '127.0.0.1',
    holdTimeout: '45s',
    rediscoverInterval: '1m',
    contextName: '"{cluster}-dev"',
    kubeconfig: 'none',
    switchContext: 'true',
    transport: 'openssh',
    services: 'all',
    namespace: 'my-namespace monitoring',
    excludeNamespace: 'kube-system cert-manager',
    selector: "'app=web,tier!=cache'",
  };
  return `tunnel config set ${host} ${key} ${samples[key]}`;
}

/** A value as `config get` prints it: one line per list item. */
export function settingLines(value: HostSettings[SettingKey]): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...value] : [String(value)];
}
