// Per-host defaults for `connect`, kept with conf in <state>/settings/settings.json (file 0600, directory
// 0700) as {"hosts": {"<alias>": {...}}}. Only what the user chose lives here; runtime state (sessions,
// ports in use) lives in sessions/. Every read validates what it returns: a hand-edited mistake becomes an
// error naming the file, host and key, never a crash and never a silently ignored value.
import fs from 'node:fs';
import path from 'node:path';
import type Conf from 'conf';
import { describeError, TunnelError, UsageError } from '../errors.js';
import { tunnelPaths } from './paths.js';
import {
  type HostSettings,
  isSettingKey,
  SETTING_KEYS,
  type SettingKey,
  settingFromJson,
} from './setting-keys.js';

type RawHosts = Record<string, unknown>;
interface RawFile {
  hosts?: RawHosts;
}

export const SETTINGS_FILE_NAME = 'settings.json';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fileError(file: string, problem: string, hint: string): TunnelError {
  return new TunnelError('SETTINGS', `${file}: ${problem}`, { hint });
}

/** The file's text as conf's deserializer: checks the JSON and the top-level shape; hosts are checked on use. */
export function parseSettingsText(text: string, file: string): RawFile {
  // An empty file (say, made with touch) holds no settings; it is not worth an error.
  if (text.trim() === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TunnelError(
      'SETTINGS',
      `${file} is not valid JSON (${describeError(error)}); tunnel left it unchanged`,
      {
        hint: `Fix it in an editor, or move it aside to start over: mv '${file}' '${file}.bad'`,
      },
    );
  }
  const editHint = `Edit ${file}; the expected shape is {"hosts": {"<host>": {"bind": "127.0.0.1"}}}`;
  if (!isRecord(data)) throw fileError(file, 'must hold a JSON object', editHint);
  const unknown = Object.keys(data).find((key) => key !== 'hosts');
  if (unknown !== undefined)
    throw fileError(file, `unknown top-level key ${JSON.stringify(unknown)}`, editHint);
  if (data.hosts === undefined) return {};
  if (!isRecord(data.hosts)) throw fileError(file, '"hosts" must be an object of host settings', editHint);
  return { hosts: data.hosts };
}

/** An ssh alias as a settings key: dots are fine (dev.example.com), blanks and leading dashes are not. */
export function checkHostAlias(alias: string): string {
  if (alias.length === 0 || alias.length > 255 || /[\s\u0000-\u001f]/.test(alias) || alias.startsWith('-')) {
    throw new UsageError(
      `${JSON.stringify(alias)} is not a host alias`,
      'Use the alias you pass to tunnel connect, e.g. devserver',
    );
  }
  return alias;
}

/** One host's entry from the file, validated key by key. */
export function hostSettingsFrom(raw: unknown, alias: string, file: string): HostSettings {
  const forget = `tunnel config unset ${alias}`;
  if (!isRecord(raw)) {
    throw fileError(
      file,
      `host ${JSON.stringify(alias)} must be an object of settings`,
      `${forget}, or edit the file`,
    );
  }
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!isSettingKey(key)) {
      throw fileError(
        file,
        `host ${JSON.stringify(alias)} has an unknown setting ${JSON.stringify(key)}`,
        `Remove it with: ${forget} ${key} (valid keys: ${SETTING_KEYS.join(', ')})`,
      );
    }
    try {
      settings[key] = settingFromJson(key, value, alias);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      const hint = `Fix it with: tunnel config set ${alias} ${key} <value>; remove it with: ${forget} ${key}; or edit the file`;
      throw fileError(file, error.message, hint);
    }
  }
  return settings as HostSettings;
}

/** Writes known keys in a stable order, so the file diffs well; anything else keeps its place after them. */
function ordered(entry: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(entry).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((key) => [key, entry[key]]));
}

function rank(key: string): number {
  const index = (SETTING_KEYS as readonly string[]).indexOf(key);
  return index === -1 ? SETTING_KEYS.length : index;
}

export class SettingsStore {
  private constructor(
    readonly file: string,
    private readonly conf: Conf<RawFile>,
  ) {}

  /**
   * Opens (never creates) the settings file of this state directory; a file that is not JSON throws here.
   * conf is imported here, not at the top: its atomic writer hooks SIGINT and SIGTERM when loaded and
   * re-sends the signal after its own clean-up, which would kill a command in the middle of its own
   * Ctrl-C handling (image push, connect). Only commands that write settings pay for that.
   */
  static async open(env: NodeJS.ProcessEnv = process.env): Promise<SettingsStore> {
    const { default: Conf } = await import('conf');
    const dir = tunnelPaths(env).settingsDir;
    const file = path.join(dir, SETTINGS_FILE_NAME);
    return guard(file, () => {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      // An older or hand-made directory may be wider; the settings name hosts and paths, so keep it private.
      if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
      const conf = new Conf<RawFile>({
        cwd: dir,
        configName: path.basename(SETTINGS_FILE_NAME, '.json'),
        fileExtension: 'json',
        configFileMode: 0o600,
        // Aliases contain dots (dev.example.com): a key is a key, never a path.
        accessPropertiesByDotNotation: false,
        // conf would otherwise be free to reset a file it cannot parse; a hand edit must never be lost.
        clearInvalidConfig: false,
        serialize: (value) => `${JSON.stringify(value, null, 2)}\n`,
        deserialize: (text) => parseSettingsText(text, file),
      });
      return new SettingsStore(file, conf);
    });
  }

  private raw(): RawHosts {
    // A null prototype, so an alias such as "__proto__" stays a plain key.
    return Object.assign(
      Object.create(null) as RawHosts,
      guard(this.file, () => this.conf.get('hosts')),
    );
  }

  private write(hosts: RawHosts): void {
    guard(this.file, () => this.conf.set('hosts', hosts));
  }

  /** Every host's settings, by alias; any bad entry throws. */
  all(): Map<string, HostSettings> {
    const hosts = this.raw();
    const aliases = Object.keys(hosts).sort();
    return new Map(aliases.map((alias) => [alias, hostSettingsFrom(hosts[alias], alias, this.file)]));
  }

  /** One host's settings ({} when none); only that host's entry is validated. */
  host(alias: string): HostSettings {
    const hosts = this.raw();
    return Object.hasOwn(hosts, alias) ? hostSettingsFrom(hosts[alias], alias, this.file) : {};
  }

  /** The keys stored for a host as they are in the file, unknown ones included (so unset can remove them). */
  storedKeys(alias: string): string[] {
    const entry = this.raw()[alias];
    return isRecord(entry) ? Object.keys(entry) : [];
  }

  /** Sets the given keys for a host, leaving its others as they are. */
  update(alias: string, values: HostSettings): SettingKey[] {
    checkHostAlias(alias);
    const hosts = this.raw();
    const current = hosts[alias];
    const entry: Record<string, unknown> = isRecord(current) ? { ...current } : {};
    const keys = SETTING_KEYS.filter((key) => values[key] !== undefined);
    // Re-checked as the file will be read back: nothing is written that a later load would reject.
    for (const key of keys) entry[key] = settingFromJson(key, values[key], alias);
    hosts[alias] = ordered(entry);
    this.write(hosts);
    return keys;
  }

  /** Removes one key, or (without a key) the whole host; false when there was nothing to remove. */
  unset(alias: string, key?: string): boolean {
    const hosts = this.raw();
    if (!Object.hasOwn(hosts, alias)) return false;
    if (key === undefined) {
      delete hosts[alias];
    } else {
      const entry = hosts[alias];
      if (!isRecord(entry) || !Object.hasOwn(entry, key)) return false;
      const rest = { ...entry };
      delete rest[key];
      // A host with no settings left is forgotten, so `config list` does not show an empty entry.
      if (Object.keys(rest).length === 0) delete hosts[alias];
      else hosts[alias] = rest;
    }
    this.write(hosts);
    return true;
  }
}

/** Runs a conf call; our own errors pass through, any other (EACCES, EISDIR…) is named with the file. */
function guard<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof TunnelError) throw error;
    throw new TunnelError('SETTINGS', `cannot use the settings file ${file}: ${describeError(error)}`, {
      hint: `Check the permissions of ${path.dirname(file)} and the file in it`,
      cause: error,
    });
  }
}

/** Where the settings file of this state directory is (whether or not it exists). */
export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(tunnelPaths(env).settingsDir, SETTINGS_FILE_NAME);
}

/** This host's saved settings, validated ({} when none). Read directly: reading needs no conf (see open). */
export function loadHostSettings(alias: string, env: NodeJS.ProcessEnv = process.env): HostSettings {
  const file = settingsFile(env);
  const text = guard(file, () => readIfPresent(file));
  const hosts = parseSettingsText(text, file).hosts ?? {};
  return Object.hasOwn(hosts, alias) ? hostSettingsFrom(hosts[alias], alias, file) : {};
}

function readIfPresent(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
