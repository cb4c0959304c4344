// The connect command's side of saved settings: the flags that reach them, flags layered over the host's
// settings, and --save. Only flags typed on this command line count as given: commander's defaults must
// neither hide a saved setting nor be saved as one.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { askpassProgram } from '../config/askpass.js';
import { type ConnectFlags, resolveSessionOptions, type SessionOptions } from '../config/resolve.js';
import { checkServicesMode } from '../config/service-checks.js';
import { checkTransport } from '../config/setting-checks.js';
import type { HostSettings, SettingKey } from '../config/setting-keys.js';
import { checkHostAlias, loadHostSettings, SettingsStore, settingsFile } from '../config/settings.js';
import { collect } from './options.js';

/**
 * Adds --services, --namespace, --exclude-namespace, --selector, --hold-timeout, --rediscover-interval,
 * --transport and --save to `connect`. No defaults here, on purpose (above).
 */
export function addSettingsOptions(command: Command): Command {
  return command
    .option(
      '--services <mapped|nodeport|all>',
      "which Services: mapped (only k3d's port mappings), nodeport (default: also every NodePort/LoadBalancer Service), all (also ClusterIP ones, via pod port-forward)",
    )
    .option('--namespace <ns>', 'only Services in this namespace (repeatable)', collect, [])
    .option(
      '--exclude-namespace <ns>',
      'never Services in this namespace (repeatable; default kube-system; none = exclude nothing)',
      collect,
      [],
    )
    .option('--selector <labels>', "only Services with these labels, e.g. 'app=web,tier!=cache'")
    .option(
      '--hold-timeout <duration>',
      'how long a connection made while the SSH connection is down waits for it, e.g. 45s (default 30s)',
    )
    .option(
      '--rediscover-interval <duration>',
      "how often the dev server's k3d clusters are re-read, e.g. 1m (default 30s)",
    )
    .option(
      '--transport <auto|ssh2|openssh>',
      "which SSH carries the session: auto (default) uses the built-in ssh2 unless the host needs what only the system's OpenSSH does",
    )
    .option('--save', "remember this command line's options as this host's defaults (see tunnel config)");
}

/** The options the user typed (or set through env), without the ones commander filled with a default. */
export function givenFlags(command: Command): ConnectFlags {
  const entries = Object.entries(command.optsWithGlobals()).filter(([key]) => {
    const source = command.getOptionValueSourceWithGlobals(key);
    return source !== undefined && source !== 'default';
  });
  return Object.fromEntries(entries) as ConnectFlags;
}

export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Options for a session this command starts, with the askpass program its env and terminal call for
 * (config/askpass.ts): the agent, which has neither, answers a reconnect's question with it.
 */
export function withAskpass(
  options: SessionOptions,
  env: NodeJS.ProcessEnv,
  stdinIsTTY: boolean = Boolean(process.stdin.isTTY && process.stderr.isTTY),
): SessionOptions {
  const askpass = askpassProgram({ env, stdinIsTTY, cwd: process.cwd(), isExecutable: isExecutableFile });
  return Object.freeze({ ...options, askpass });
}

/** A one-shot command's options for `host`: the flags typed on `command` over the host's saved settings. */
export function hostOptions(host: string, command: Command): SessionOptions {
  const options = resolveSessionOptions(host, givenFlags(command), process.env, loadHostSettings(host));
  return withAskpass(options, process.env);
}

/**
 * The flags that --save keeps. Not saved: --ssh-config (a global option, not per host) and
 * --accept-new-host-key (trusting a new key is a decision for one connection, not a standing default).
 */
export function settingsFromFlags(flags: ConnectFlags): HostSettings {
  const settings: HostSettings = {};
  if (flags.cluster && flags.cluster.length > 0) settings.cluster = flags.cluster;
  if (flags.map && flags.map.length > 0) settings.map = flags.map;
  if (flags.bind !== undefined) settings.bind = flags.bind;
  if (flags.holdTimeout !== undefined) settings.holdTimeout = flags.holdTimeout;
  if (flags.rediscoverInterval !== undefined) settings.rediscoverInterval = flags.rediscoverInterval;
  if (flags.contextName !== undefined) settings.contextName = flags.contextName;
  if (flags.kubeconfig === false) settings.kubeconfig = 'none';
  // Saved absolute: a later connect may run from another directory.
  if (typeof flags.kubeconfig === 'string') settings.kubeconfig = path.resolve(flags.kubeconfig);
  if (flags.switchContext !== undefined) settings.switchContext = flags.switchContext;
  if (flags.transport !== undefined)
    settings.transport = checkTransport(flags.transport, { flag: '--transport' });
  if (flags.services !== undefined)
    settings.services = checkServicesMode(flags.services, { flag: '--services' });
  if (flags.namespace && flags.namespace.length > 0) settings.namespace = flags.namespace;
  if (flags.excludeNamespace && flags.excludeNamespace.length > 0)
    settings.excludeNamespace = flags.excludeNamespace;
  if (flags.selector !== undefined) settings.selector = flags.selector;
  return settings;
}

export interface ConnectResolution {
  options: SessionOptions;
  /** The setting keys --save wrote ([] without --save, or when no saveable flag was given). */
  saved: SettingKey[];
  /** The settings file read (and written with --save), for messages. */
  settingsFile: string;
}

/**
 * Flags over the host's saved settings over the defaults. Pass the connect Command itself (preferred: its
 * default-valued options are then ignored) or flags that hold only what the user gave.
 */
export async function resolveConnectOptions(
  alias: string,
  flags: ConnectFlags | Command,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConnectResolution> {
  const given = flags instanceof Command ? givenFlags(flags) : flags;
  // Resolved before saving: a flag that fails validation is never written.
  const options = withAskpass(resolveSessionOptions(alias, given, env, loadHostSettings(alias, env)), env);
  const toSave = given.save === true ? settingsFromFlags(given) : {};
  const saved =
    Object.keys(toSave).length > 0
      ? (await SettingsStore.open(env)).update(checkHostAlias(alias), toSave)
      : [];
  return { options, saved, settingsFile: settingsFile(env) };
}
