// Which Services a session forwards (issue 14): --services, --namespace, --exclude-namespace, --selector
// and the --map Service form, over the host's settings (`tunnel config set`), over the defaults; and what
// a user reads when a value is wrong.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConnectOptions } from '../../../src/cli/connect-settings.js';
import { resolveSessionOptions } from '../../../src/config/resolve.js';
import { checkSelector } from '../../../src/config/service-checks.js';
import { settingFromJson, settingFromWords, settingLines } from '../../../src/config/setting-keys.js';
import { SettingsStore } from '../../../src/config/settings.js';

const env = { HOME: '/home/dev' };

describe('the service selection of a session', () => {
  it('defaults to NodePort/LoadBalancer Services of every namespace but kube-system', () => {
    expect(resolveSessionOptions('h', {}, env).services).toEqual({
      mode: 'nodeport',
      namespaces: [],
      excludeNamespaces: ['kube-system'],
      selector: undefined,
      pins: [],
    });
  });

  it('takes the flags over the settings, each on its own', () => {
    const settings = {
      services: 'all' as const,
      namespace: ['monitoring'],
      excludeNamespace: ['cert-manager'],
      selector: 'app=web',
    };
    expect(resolveSessionOptions('h', {}, env, settings).services).toEqual({
      mode: 'all',
      namespaces: ['monitoring'],
      excludeNamespaces: ['cert-manager'],
      selector: 'app=web',
      pins: [],
    });
    const flags = { services: 'mapped', namespace: ['a', 'b', 'a'], selector: '!internal' };
    expect(resolveSessionOptions('h', flags, env, settings).services).toMatchObject({
      mode: 'mapped',
      namespaces: ['a', 'b'],
      excludeNamespaces: ['cert-manager'],
      selector: '!internal',
    });
  });

  it('--exclude-namespace none excludes nothing, not even kube-system; an empty selector is none', () => {
    const services = resolveSessionOptions('h', { excludeNamespace: ['none'], selector: '' }, env).services;
    expect(services.excludeNamespaces).toEqual([]);
    expect(services.selector).toBeUndefined();
  });

  it('splits --map into host-port pins and Service pins', () => {
    const options = resolveSessionOptions('h', { map: ['8080:18080', 'monitoring/grafana:3000:13000'] }, env);
    expect([...options.maps]).toEqual([[8080, 18080]]);
    expect(options.services.pins).toEqual([['monitoring/grafana:3000', 13000]]);
    expect(() =>
      resolveSessionOptions('h', { map: ['8080:13000', 'monitoring/grafana:3000:13000'] }, env),
    ).toThrow('--map sends both 8080 and monitoring/grafana:3000 to local port 13000.');
    // From the settings file, the error names the setting.
    expect(() => resolveSessionOptions('h', {}, env, { map: ['monitoring/grafana:x:1'] })).toThrow(
      /^setting map for h "monitoring\/grafana:x:1": the Service port "x" is not a number/,
    );
  });

  it('says what a mode is, and how to set one, when the word is wrong', () => {
    expect(() => resolveSessionOptions('h', { services: 'everything' }, env)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^--services everything: expected mapped, nodeport or all/),
        hint: 'For example: --services all',
      }),
    );
    expect(() => resolveSessionOptions('devserver', {}, env, { services: 'ALL' as never })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /^setting services "ALL" for devserver: expected mapped, nodeport or all/,
        ),
        hint: 'For example: tunnel config set devserver services all',
      }),
    );
  });

  it('refuses a namespace that is not a Kubernetes name, and more than 100 of them', () => {
    expect(() => resolveSessionOptions('h', { namespace: ['My_NS'] }, env)).toThrow(
      /^--namespace My_NS: not a namespace name \(lowercase letters, digits and inner dashes, at most 63/,
    );
    expect(() => resolveSessionOptions('h', { excludeNamespace: ['x'.repeat(64)] }, env)).toThrow(
      /^--exclude-namespace x{64}: not a namespace name/,
    );
    const many = Array.from({ length: 101 }, (_, index) => `ns-${index}`);
    expect(() => resolveSessionOptions('h', { namespace: many }, env)).toThrow(
      '--namespace: 101 namespaces, at most 100',
    );
  });

  it('bounds a selector and reports the parser’s complaint with the syntax', () => {
    expect(() => resolveSessionOptions('h', { selector: 'a'.repeat(1025) }, env)).toThrow(
      '--selector: the label selector has 1025 characters, at most 1024.',
    );
    expect(() => resolveSessionOptions('h', { selector: 'app in (a' }, env)).toThrow(
      /^--selector: The label selector/,
    );
    expect(() => checkSelector('app=(', { key: 'selector', host: 'devserver' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^setting selector for devserver: The label selector "app=\(" /),
        hint: expect.stringContaining("tunnel config set devserver selector 'app=web,tier!=cache'"),
      }),
    );
    expect(checkSelector('app in (a,b)', { flag: '--selector' })).toBe('app in (a,b)');
  });
});

describe('tunnel config set for the service settings', () => {
  it('reads the words of config set and the values of the settings file', () => {
    expect(settingFromWords('services', ['all'], 'devserver')).toBe('all');
    expect(settingFromWords('namespace', ['monitoring', 'my-namespace'], 'devserver')).toEqual([
      'monitoring',
      'my-namespace',
    ]);
    expect(settingFromWords('selector', ['app=web,tier!=cache'], 'devserver')).toBe('app=web,tier!=cache');
    expect(settingLines(settingFromJson('excludeNamespace', ['kube-system', 'x'], 'devserver'))).toEqual([
      'kube-system',
      'x',
    ]);
    expect(() => settingFromWords('services', ['everything'], 'devserver')).toThrow(
      /setting services "everything" for devserver: expected mapped, nodeport or all/,
    );
    expect(() => settingFromWords('services', ['all', 'mapped'], 'devserver')).toThrow(
      expect.objectContaining({ hint: 'For example: tunnel config set devserver services all' }),
    );
    expect(() => settingFromJson('namespace', 'monitoring', 'devserver')).toThrow(
      'setting namespace for devserver: must be a list of strings, not "monitoring"',
    );
  });
});

describe('connect --save with the service flags', () => {
  const homes: string[] = [];
  afterEach(() => {
    for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
  });

  it('keeps them as the host settings a later connect starts from', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-services-setting-'));
    homes.push(home);
    const saveEnv = { HOME: home, TUNNEL_HOME: path.join(home, 'state') };
    const flags = {
      services: 'all',
      namespace: ['monitoring'],
      excludeNamespace: ['none'],
      selector: 'app=web',
      map: ['monitoring/grafana:3000:13000'],
      save: true,
    };
    const { saved } = await resolveConnectOptions('devserver', flags, saveEnv);
    expect(saved).toEqual(['map', 'services', 'namespace', 'excludeNamespace', 'selector']);
    const later = await resolveConnectOptions('devserver', {}, saveEnv);
    expect(later.options.services).toEqual({
      mode: 'all',
      namespaces: ['monitoring'],
      excludeNamespaces: [],
      selector: 'app=web',
      pins: [['monitoring/grafana:3000', 13000]],
    });
    expect((await SettingsStore.open(saveEnv)).host('devserver')).toMatchObject({ services: 'all' });
  });
});
