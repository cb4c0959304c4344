// Flags, then the host's saved settings, then built-in defaults → one frozen options object per command.
// Validation happens here, before anything connects, so bad input fails fast with a hint naming the flag
// or the setting to fix. Pure apart from reading env for the kubeconfig path and the working directory
// (relative file flags are made absolute); loading settings is the caller's job (settings.ts).
import path from 'node:path';
import type { ServiceSelection } from '../plan/types.js';
import {
  DEFAULT_BIND_ADDRESS,
  DEFAULT_CONTEXT_TEMPLATE,
  DEFAULT_HOLD_TIMEOUT_MS,
  DEFAULT_REDISCOVER_INTERVAL_MS,
  DEFAULT_TRANSPORT,
  type TransportSetting,
} from './defaults.js';
import { defaultKubeconfigPath } from './paths.js';
import {
  checkNamespaces,
  checkSelector,
  checkServicesMode,
  defaultServiceSelection,
  NO_NAMESPACE,
} from './service-checks.js';
import {
  checkBind,
  checkClusters,
  checkContextTemplate,
  checkDuration,
  checkKubeconfig,
  checkMaps,
  checkTransport,
  type ValueSource,
} from './setting-checks.js';
import type { HostSettings, SettingKey } from './setting-keys.js';

export { defaultServiceSelection } from './service-checks.js';
export type { HostSettings } from './setting-keys.js';

export interface ConnectFlags {
  sshConfig?: string;
  cluster?: string[];
  map?: string[];
  bind?: string;
  acceptNewHostKey?: boolean;
  kubeconfig?: string | boolean;
  switchContext?: boolean;
  contextName?: string;
  /** A duration such as '45s' (see duration.ts). */
  holdTimeout?: string;
  rediscoverInterval?: string;
  /** auto, ssh2 or openssh (checked here: commander passes any word). */
  transport?: string;
  /** mapped, nodeport or all (checked here). */
  services?: string;
  /** --namespace, repeatable. */
  namespace?: string[];
  /** --exclude-namespace, repeatable; `none` = exclude nothing. */
  excludeNamespace?: string[];
  selector?: string;
  /** Persist the flags given on this command line as the host's settings (see cli/connect-settings.ts). */
  save?: boolean;
}

export type KubeconfigMode =
  | { kind: 'merge'; file: string; switchContext: boolean }
  | { kind: 'standalone'; file: string }
  | { kind: 'none' };

export interface SessionOptions {
  alias: string;
  sshConfigFile: string | undefined;
  clusters: string[];
  maps: Map<number, number>;
  bindAddress: string;
  acceptNewHostKey: boolean;
  kubeconfig: KubeconfigMode;
  /** Template for kube names: {cluster} and {host} are replaced. */
  contextTemplate: string;
  /** How long a connection accepted while the session is down waits for it to come back. */
  holdTimeoutMs: number;
  /** How often k3d's cluster list is re-read on the dev server. */
  rediscoverIntervalMs: number;
  /** Which SSH implementation carries the session (devserver/connect.ts decides what auto means). */
  transport: TransportSetting;
  /**
   * The SSH_ASKPASS program (absolute path) that answers login questions when nobody is at a terminal,
   * decided by the CLI from its env and terminal (config/askpass.ts); undefined = none.
   */
  askpass: string | undefined;
  /** Which Services are forwarded beyond k3d's mappings (issue 14), and the Service pins. */
  services: ServiceSelection;
}

export function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

interface Chosen<T> {
  value: T;
  source: ValueSource;
}

/** The flag when the user gave it, else the saved setting; undefined means the built-in default. */
function choose<T>(
  flag: { name: string; value: T | undefined },
  setting: { key: SettingKey; host: string; value: T | undefined },
): Chosen<T> | undefined {
  // commander fills repeatable flags with [] when absent; an empty list cannot be typed, so it means "not given".
  const given = flag.value !== undefined && !(Array.isArray(flag.value) && flag.value.length === 0);
  if (given) return { value: flag.value as T, source: { flag: flag.name } };
  if (setting.value !== undefined) {
    return { value: setting.value, source: { key: setting.key, host: setting.host } };
  }
  return undefined;
}

function kubeconfigMode(
  alias: string,
  flags: ConnectFlags,
  settings: HostSettings,
  env: NodeJS.ProcessEnv,
): KubeconfigMode {
  // commander maps --no-kubeconfig to kubeconfig === false and --kubeconfig <file> to a string.
  if (flags.kubeconfig === false) return { kind: 'none' };
  // Absolute: the file is written by the agent, whose working directory is not the command's.
  if (typeof flags.kubeconfig === 'string')
    return { kind: 'standalone', file: path.resolve(flags.kubeconfig) };
  if (settings.kubeconfig !== undefined) {
    const saved = checkKubeconfig(settings.kubeconfig, { key: 'kubeconfig', host: alias });
    return saved === 'none' ? { kind: 'none' } : { kind: 'standalone', file: saved };
  }
  const switchContext = flags.switchContext ?? settings.switchContext ?? false;
  return { kind: 'merge', file: defaultKubeconfigPath(env), switchContext };
}

function duration(
  alias: string,
  flag: { name: string; value: string | undefined },
  setting: { key: SettingKey; value: string | undefined },
  fallbackMs: number,
): number {
  const chosen = choose(flag, { ...setting, host: alias });
  return chosen ? checkDuration(chosen.value, chosen.source) : fallbackMs;
}

function transportOf(alias: string, flags: ConnectFlags, settings: HostSettings): TransportSetting {
  const chosen = choose(
    { name: '--transport', value: flags.transport },
    { key: 'transport', host: alias, value: settings.transport },
  );
  return chosen ? checkTransport(chosen.value, chosen.source) : DEFAULT_TRANSPORT;
}

/** `settings` are this host's saved settings (settings.ts); flags win over them, they over the defaults. */
export function resolveSessionOptions(
  alias: string,
  flags: ConnectFlags,
  env: NodeJS.ProcessEnv = process.env,
  settings: HostSettings = {},
): SessionOptions {
  const host = alias;
  const maps = choose({ name: '--map', value: flags.map }, { key: 'map', host, value: settings.map });
  const pinned = maps ? checkMaps(maps.value, maps.source) : { ports: new Map<number, number>(), pins: [] };
  const bind = choose({ name: '--bind', value: flags.bind }, { key: 'bind', host, value: settings.bind });
  const template = choose(
    { name: '--context-name', value: flags.contextName },
    { key: 'contextName', host, value: settings.contextName },
  );
  const clusters = choose(
    { name: '--cluster', value: flags.cluster },
    { key: 'cluster', host, value: settings.cluster },
  );
  return Object.freeze({
    alias,
    // Absolute for the same reason: the agent runs `ssh -G -F <file>` from its own directory.
    sshConfigFile: flags.sshConfig === undefined ? undefined : path.resolve(flags.sshConfig),
    // Flag cluster names are checked against k3d's list at connect time, where the error can list the real ones.
    clusters: clusters
      ? 'flag' in clusters.source
        ? clusters.value
        : checkClusters(clusters.value, clusters.source)
      : [],
    maps: pinned.ports,
    bindAddress: bind ? checkBind(bind.value, bind.source) : DEFAULT_BIND_ADDRESS,
    acceptNewHostKey: flags.acceptNewHostKey === true,
    kubeconfig: kubeconfigMode(alias, flags, settings, env),
    contextTemplate: template
      ? checkContextTemplate(template.value, template.source)
      : DEFAULT_CONTEXT_TEMPLATE,
    holdTimeoutMs: duration(
      alias,
      { name: '--hold-timeout', value: flags.holdTimeout },
      { key: 'holdTimeout', value: settings.holdTimeout },
      DEFAULT_HOLD_TIMEOUT_MS,
    ),
    rediscoverIntervalMs: duration(
      alias,
      { name: '--rediscover-interval', value: flags.rediscoverInterval },
      { key: 'rediscoverInterval', value: settings.rediscoverInterval },
      DEFAULT_REDISCOVER_INTERVAL_MS,
    ),
    transport: transportOf(alias, flags, settings),
    // Depends on the command's terminal, which this resolver does not see: the CLI sets it.
    askpass: undefined,
    services: Object.freeze(servicesOf(alias, flags, settings, pinned.pins)),
  });
}

/** Which Services: each of --services, --namespace, --exclude-namespace, --selector over its setting. */
function servicesOf(
  host: string,
  flags: ConnectFlags,
  settings: HostSettings,
  pins: [string, number][],
): ServiceSelection {
  const selection = { ...defaultServiceSelection(), pins };
  const mode = choose(
    { name: '--services', value: flags.services },
    { key: 'services', host, value: settings.services },
  );
  if (mode) selection.mode = checkServicesMode(mode.value, mode.source);
  const include = choose(
    { name: '--namespace', value: flags.namespace },
    { key: 'namespace', host, value: settings.namespace },
  );
  if (include) selection.namespaces = checkNamespaces(include.value, include.source);
  const exclude = choose(
    { name: '--exclude-namespace', value: flags.excludeNamespace },
    { key: 'excludeNamespace', host, value: settings.excludeNamespace },
  );
  if (exclude) {
    const names = checkNamespaces(exclude.value, exclude.source);
    selection.excludeNamespaces = names.filter((name) => name !== NO_NAMESPACE);
  }
  const selector = choose(
    { name: '--selector', value: flags.selector },
    { key: 'selector', host, value: settings.selector },
  );
  // An empty selector selects everything, as in kubectl: the same as none.
  if (selector) selection.selector = checkSelector(selector.value, selector.source) || undefined;
  return selection;
}

export function contextNameFor(template: string, cluster: string, host: string): string {
  return template.replaceAll('{cluster}', cluster).replaceAll('{host}', host);
}
