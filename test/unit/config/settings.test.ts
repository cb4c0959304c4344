import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSettingKey, settingFromWords } from '../../../src/config/setting-keys.js';
import { checkHostAlias, parseSettingsText, SettingsStore } from '../../../src/config/settings.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

function tempEnv(): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-settings-'));
  homes.push(home);
  return { TUNNEL_HOME: path.join(home, 'state') };
}

function settingsFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.TUNNEL_HOME!, 'settings', 'settings.json');
}

function writeFile(env: NodeJS.ProcessEnv, content: unknown): string {
  const file = settingsFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('SettingsStore', () => {
  it('round-trips host settings, aliases with dots included, in a private file', async () => {
    const env = tempEnv();
    const store = await SettingsStore.open(env);
    expect(fs.existsSync(store.file)).toBe(false);
    expect(store.host('dev.example.com')).toEqual({});
    store.update('dev.example.com', { map: ['8080:18080'], holdTimeout: '30000', switchContext: true });
    store.update('devserver', { bind: '::1' });
    store.update('dev.example.com', { bind: '127.0.0.2' });
    const again = await SettingsStore.open(env);
    expect(again.host('dev.example.com')).toEqual({
      map: ['8080:18080'],
      bind: '127.0.0.2',
      holdTimeout: '30s',
      switchContext: true,
    });
    expect([...again.all().keys()]).toEqual(['dev.example.com', 'devserver']);
    // Stored under the alias as one key, not as a dotted path.
    expect(Object.keys(JSON.parse(fs.readFileSync(store.file, 'utf8')).hosts)).toEqual([
      'dev.example.com',
      'devserver',
    ]);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(store.file)).mode & 0o777).toBe(0o700);
  });

  it('unsets one key, then forgets a host whose last key went, and says when there was nothing', async () => {
    const env = tempEnv();
    const store = await SettingsStore.open(env);
    store.update('devserver', { bind: '::1', cluster: ['dev'] });
    expect(store.unset('devserver', 'bind')).toBe(true);
    expect(store.unset('devserver', 'bind')).toBe(false);
    expect(store.host('devserver')).toEqual({ cluster: ['dev'] });
    expect(store.unset('devserver', 'cluster')).toBe(true);
    expect(store.all().size).toBe(0);
    store.update('devserver', { bind: '::1' });
    expect(store.unset('devserver')).toBe(true);
    expect(store.unset('devserver')).toBe(false);
  });

  it('names the file, host, key and problem of a hand-edited bad value, with the command that fixes it', async () => {
    const env = tempEnv();
    const file = writeFile(env, { hosts: { devserver: { bind: 'banana' }, other: { bind: '::1' } } });
    const store = await SettingsStore.open(env);
    expect(() => store.host('devserver')).toThrow(
      expect.objectContaining({
        code: 'SETTINGS',
        message: `${file}: setting bind "banana" for devserver: not an IP address; use an address of this machine`,
        hint: expect.stringContaining('tunnel config unset devserver bind'),
      }),
    );
    // Only the host in use is checked by host(); list (all) checks every one.
    expect(store.host('other')).toEqual({ bind: '::1' });
    expect(() => store.all()).toThrow(/setting bind "banana" for devserver/);
  });

  it.each([
    [{ bind: 42 }, 'setting bind for devserver: must be a string, not 42'],
    [{ map: '8080:18080' }, 'setting map for devserver: must be a list of strings'],
    [{ map: ['8080:x'] }, 'setting map for devserver "8080:x": the local port "x" is not a number'],
    [{ holdTimeout: 'soon' }, 'setting holdTimeout "soon" for devserver: not a duration'],
    [
      { rediscoverInterval: '10ms' },
      'setting rediscoverInterval "10ms" for devserver: must be from 100ms to 24h',
    ],
    [{ contextName: 'dev' }, 'setting contextName "dev" for devserver: must contain {cluster}'],
    [{ kubeconfig: 'relative.yaml' }, 'must be an absolute file path, or none'],
    [{ switchContext: 'yes' }, 'setting switchContext for devserver: must be true or false'],
    [{ cluster: ['no_underscores'] }, 'not a k3d cluster name'],
    [{ colour: 'blue' }, 'host "devserver" has an unknown setting "colour"'],
  ])('rejects %j in the file', async (entry, message) => {
    const env = tempEnv();
    writeFile(env, { hosts: { devserver: entry } });
    await expect(SettingsStore.open(env).then((store) => store.host('devserver'))).rejects.toThrow(
      expect.objectContaining({ code: 'SETTINGS', message: expect.stringContaining(message) }),
    );
  });

  it('lets a bad or unknown key be unset or overwritten, which is how the user repairs the file', async () => {
    const env = tempEnv();
    writeFile(env, { hosts: { devserver: { bind: 'banana', colour: 'blue', holdTimeout: '1m' } } });
    const store = await SettingsStore.open(env);
    expect(store.storedKeys('devserver')).toEqual(['bind', 'colour', 'holdTimeout']);
    expect(store.unset('devserver', 'colour')).toBe(true);
    store.update('devserver', { bind: '127.0.0.1' });
    expect(store.host('devserver')).toEqual({ bind: '127.0.0.1', holdTimeout: '1m' });
  });

  it('refuses a file that is not JSON with its path, and leaves it untouched', async () => {
    const env = tempEnv();
    const file = writeFile(env, '{"hosts": {');
    await expect(SettingsStore.open(env)).rejects.toThrow(
      expect.objectContaining({
        code: 'SETTINGS',
        message: expect.stringMatching(new RegExp(`^${file} is not valid JSON .*tunnel left it unchanged$`)),
        hint: expect.stringContaining(`mv '${file}'`),
      }),
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('{"hosts": {');
  });

  it('names the file when it cannot be read at all', async () => {
    const env = tempEnv();
    fs.mkdirSync(settingsFile(env), { recursive: true });
    await expect(SettingsStore.open(env)).rejects.toThrow(
      expect.objectContaining({ code: 'SETTINGS', message: expect.stringContaining(settingsFile(env)) }),
    );
  });
});

describe('parseSettingsText', () => {
  it('accepts an empty file and an empty object; rejects other shapes with an edit hint', async () => {
    expect(parseSettingsText('', '/f')).toEqual({});
    expect(parseSettingsText('{}', '/f')).toEqual({});
    expect(() => parseSettingsText('[]', '/f')).toThrow('/f: must hold a JSON object');
    expect(() => parseSettingsText('{"hosts": []}', '/f')).toThrow('"hosts" must be an object');
    expect(() => parseSettingsText('{"host": {}}', '/f')).toThrow(
      expect.objectContaining({
        message: '/f: unknown top-level key "host"',
        hint: expect.stringContaining('Edit /f'),
      }),
    );
    expect(() => parseSettingsText('{"hosts": {"devserver": 3}}', '/f')).not.toThrow();
  });
});

describe('values typed on the command line', () => {
  it("parses keys, also in the flags' spelling, and lists the valid ones for an unknown key", async () => {
    expect(parseSettingKey('hold-timeout')).toBe('holdTimeout');
    expect(parseSettingKey('contextName')).toBe('contextName');
    expect(() => parseSettingKey('colour')).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        hint: expect.stringContaining('cluster, map, bind, holdTimeout'),
      }),
    );
  });

  it('normalizes values and checks their count and type', async () => {
    expect(settingFromWords('map', ['8080:18080', '3000:13000'], 'h')).toEqual(['8080:18080', '3000:13000']);
    expect(settingFromWords('holdTimeout', ['45000'], 'h')).toBe('45s');
    expect(settingFromWords('switchContext', ['false'], 'h')).toBe(false);
    expect(settingFromWords('kubeconfig', ['none'], 'h')).toBe('none');
    expect(settingFromWords('kubeconfig', ['k.yaml'], 'h')).toBe(path.resolve('k.yaml'));
    expect(() => settingFromWords('bind', ['::1', '127.0.0.1'], 'h')).toThrow('bind takes one value, got 2');
    expect(() => settingFromWords('switchContext', ['yes'], 'h')).toThrow('must be true or false');
    expect(() => settingFromWords('bind', ['banana'], 'h')).toThrow(
      expect.objectContaining({
        message: 'setting bind "banana" for h: not an IP address; use an address of this machine',
        hint: 'For example: tunnel config set h bind 127.0.0.1',
      }),
    );
    expect(() => settingFromWords('map', ['8080:18080', '8080:18081'], 'h')).toThrow(
      /pins dev-server port 8080 twice/,
    );
  });

  it('accepts aliases with dots and @, not blanks or a leading dash', async () => {
    expect(checkHostAlias('dev.example.com')).toBe('dev.example.com');
    expect(checkHostAlias('me@dev')).toBe('me@dev');
    for (const bad of ['', 'dev server', '-x', 'a\nb'])
      expect(() => checkHostAlias(bad)).toThrow(/not a host alias/);
  });
});
