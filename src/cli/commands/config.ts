// `tunnel config`: list, get, set and unset the per-host defaults `connect` starts from (flags still win).
// Output is plain and scriptable: `get` prints only the value(s), one per line; `list --json` prints JSON.
// Reading or writing the file is config/settings.ts's job; this file only parses words and prints.
import type { Command } from 'commander';
import {
  type HostSettings,
  isSettingKey,
  KEY_SPECS,
  parseSettingKey,
  SETTING_KEYS,
  settingFromWords,
  settingLines,
} from '../../config/setting-keys.js';
import { loadHostSettings, SettingsStore } from '../../config/settings.js';
import { TunnelError } from '../../errors.js';

const KEYS_HELP = `
Keys (a flag's name works too, e.g. hold-timeout):
${SETTING_KEYS.map((key) => `  ${key.padEnd(20)} default: ${KEY_SPECS[key].fallback}`).join('\n')}

cluster, map, namespace and excludeNamespace take several values; switchContext takes true or false;
kubeconfig takes a file or none; transport takes auto (ssh2 unless the host needs OpenSSH), ssh2 or
openssh; services takes mapped, nodeport or all; selector a label selector (quote it).
Examples:
  tunnel config set devserver map 8080:18080 3000:13000
  tunnel config set devserver services all
  tunnel config set dev.example.com hold-timeout 2m
  tunnel config set devserver transport openssh
  tunnel config get devserver map
  tunnel config unset devserver map`;

export function registerConfig(program: Command): void {
  const config = program
    .command('config')
    .description('saved per-host defaults for connect (flags given to connect still win)')
    .addHelpText('after', KEYS_HELP);
  config
    .command('list')
    .description('show saved settings, of every host or of one')
    .argument('[host]', 'only this host')
    .option('--json', 'print JSON')
    .action((host: string | undefined, flags: { json?: boolean }) => list(host, flags.json === true));
  config
    .command('get')
    .description('print one saved value (a list: one item per line)')
    .argument('<host>', 'an ssh alias, as given to connect')
    .argument('<key>', SETTING_KEYS.join(', '))
    .action((host: string, key: string) => get(host, key));
  config
    .command('set')
    .description('save a default for a host (a list key takes several values)')
    .argument('<host>', 'an ssh alias, as given to connect')
    .argument('<key>', SETTING_KEYS.join(', '))
    .argument('<value...>', 'the value(s)')
    .action((host: string, key: string, values: string[]) => set(host, key, values));
  config
    .command('unset')
    .description("remove a host's saved value, or (without a key) all of its settings")
    .argument('<host>', 'an ssh alias, as given to connect')
    .argument('[key]', SETTING_KEYS.join(', '))
    .action((host: string, key: string | undefined) => unset(host, key));
}

function print(lines: readonly string[]): void {
  if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
}

/** Rows of columns, padded so they line up; the last column is never padded (values may hold spaces). */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  return rows.map((row) =>
    row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join('  '),
  );
}

function settingRows(settings: HostSettings): string[][] {
  return SETTING_KEYS.filter((key) => settings[key] !== undefined).map((key) => [
    key,
    settingLines(settings[key]).join(' '),
  ]);
}

async function list(host: string | undefined, json: boolean): Promise<void> {
  const store = await SettingsStore.open();
  if (host !== undefined) {
    const settings = store.host(host);
    if (json) print([JSON.stringify(settings, null, 2)]);
    else if (Object.keys(settings).length === 0) process.stderr.write(`no saved settings for ${host}\n`);
    else print(table(settingRows(settings)));
    return;
  }
  const hosts = store.all();
  if (json) {
    print([JSON.stringify(Object.fromEntries(hosts), null, 2)]);
    return;
  }
  if (hosts.size === 0) process.stderr.write(`no saved settings (${store.file})\n`);
  print(
    table([...hosts].flatMap(([alias, settings]) => settingRows(settings).map((row) => [alias, ...row]))),
  );
}

function get(host: string, word: string): void {
  const key = parseSettingKey(word);
  const value = loadHostSettings(host)[key];
  if (value === undefined) {
    // An error (exit 1, nothing on stdout), so a script can tell "not set" from an empty value.
    throw new TunnelError('SETTINGS', `${key} is not set for ${host}`, {
      hint: `connect uses the default (${KEY_SPECS[key].fallback}); set one with: tunnel config set ${host} ${key} <value>`,
    });
  }
  print(settingLines(value));
}

async function set(host: string, word: string, values: string[]): Promise<void> {
  const key = parseSettingKey(word);
  const value = settingFromWords(key, values, host);
  (await SettingsStore.open()).update(host, { [key]: value });
  process.stdout.write(`${host}: ${key} = ${settingLines(value).join(' ')}\n`);
}

async function unset(host: string, word: string | undefined): Promise<void> {
  const store = await SettingsStore.open();
  if (word === undefined) {
    const forgotten = store.unset(host);
    process.stdout.write(forgotten ? `${host}: settings forgotten\n` : `${host}: no saved settings\n`);
    return;
  }
  // A key we do not know may still be in a hand-edited file; removing it is how the user repairs that.
  const key: string =
    store.storedKeys(host).includes(word) && !isSettingKey(word) ? word : parseSettingKey(word);
  const removed = store.unset(host, key);
  process.stdout.write(removed ? `${host}: ${key} unset\n` : `${host}: ${key} was not set\n`);
}
