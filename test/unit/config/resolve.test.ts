import { describe, expect, it } from 'vitest';
import { defaultKubeconfigPath, stateHome } from '../../../src/config/paths.js';
import { contextNameFor, type HostSettings, resolveSessionOptions } from '../../../src/config/resolve.js';

const env = { HOME: '/home/dev' };

describe('resolveSessionOptions', () => {
  it('defaults: loopback bind, merge into ~/.kube/config without switching context', () => {
    const options = resolveSessionOptions('devserver', {}, env);
    expect(options.bindAddress).toBe('127.0.0.1');
    expect(options.kubeconfig).toEqual({
      kind: 'merge',
      file: '/home/dev/.kube/config',
      switchContext: false,
    });
    expect(options.clusters).toEqual([]);
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('merges into the first KUBECONFIG entry, as kubectl does', () => {
    const options = resolveSessionOptions(
      'devserver',
      { switchContext: true },
      { ...env, KUBECONFIG: '/a/one:/b/two' },
    );
    expect(options.kubeconfig).toEqual({ kind: 'merge', file: '/a/one', switchContext: true });
  });

  it('--kubeconfig <file> is standalone and --no-kubeconfig writes nothing', () => {
    expect(resolveSessionOptions('h', { kubeconfig: '/tmp/k.yaml' }, env).kubeconfig).toEqual({
      kind: 'standalone',
      file: '/tmp/k.yaml',
    });
    expect(resolveSessionOptions('h', { kubeconfig: false }, env).kubeconfig).toEqual({ kind: 'none' });
  });

  it('parses --map pins and rejects malformed ones with a usage error and an example', () => {
    expect([...resolveSessionOptions('h', { map: ['8080:18080'] }, env).maps]).toEqual([[8080, 18080]]);
    expect(() => resolveSessionOptions('h', { map: ['8080:x'] }, env)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', hint: expect.stringContaining('--map 8080:18080') }),
    );
  });

  it('rejects a --bind that is not an address, and a context template that would collide', () => {
    expect(() => resolveSessionOptions('h', { bind: 'banana' }, env)).toThrow(/--bind banana/);
    expect(() => resolveSessionOptions('h', { contextName: 'dev' }, env)).toThrow(/must contain \{cluster\}/);
  });

  it('defaults the hold timeout and the rediscovery interval to 30 s, and reads flags as durations', () => {
    const defaults = resolveSessionOptions('h', {}, env);
    expect([defaults.holdTimeoutMs, defaults.rediscoverIntervalMs]).toEqual([30_000, 30_000]);
    const given = resolveSessionOptions('h', { holdTimeout: '45s', rediscoverInterval: '2m' }, env);
    expect([given.holdTimeoutMs, given.rediscoverIntervalMs]).toEqual([45_000, 120_000]);
    expect(() => resolveSessionOptions('h', { holdTimeout: 'soon' }, env)).toThrow(
      '--hold-timeout "soon": not a duration',
    );
    expect(() => resolveSessionOptions('h', { rediscoverInterval: '1ms' }, env)).toThrow(
      /--rediscover-interval 1ms: must be from/,
    );
  });

  it('fills the context template', () => {
    expect(contextNameFor('k3d-{cluster}@{host}', 'my-app', 'devserver')).toBe('k3d-my-app@devserver');
  });
});

describe('resolveSessionOptions with saved settings', () => {
  const saved: HostSettings = {
    cluster: ['api'],
    map: ['3000:13000'],
    bind: '::1',
    holdTimeout: '1m',
    rediscoverInterval: '10s',
    contextName: '{cluster}-dev',
    switchContext: true,
  };

  it('uses the host settings where no flag is given', () => {
    const options = resolveSessionOptions('devserver', {}, env, saved);
    expect(options).toMatchObject({
      clusters: ['api'],
      bindAddress: '::1',
      holdTimeoutMs: 60_000,
      rediscoverIntervalMs: 10_000,
      contextTemplate: '{cluster}-dev',
      kubeconfig: { kind: 'merge', file: '/home/dev/.kube/config', switchContext: true },
    });
    expect([...options.maps]).toEqual([[3000, 13000]]);
  });

  it('lets every given flag win over its setting, and only that one', () => {
    const options = resolveSessionOptions(
      'devserver',
      { cluster: ['web'], map: ['8080:18080'], bind: '127.0.0.1', holdTimeout: '5s' },
      env,
      saved,
    );
    expect(options).toMatchObject({
      clusters: ['web'],
      bindAddress: '127.0.0.1',
      holdTimeoutMs: 5000,
      rediscoverIntervalMs: 10_000,
      contextTemplate: '{cluster}-dev',
    });
    expect([...options.maps]).toEqual([[8080, 18080]]);
    // commander's [] for an absent repeatable flag is "not given", not "no clusters".
    expect(resolveSessionOptions('devserver', { cluster: [] }, env, saved).clusters).toEqual(['api']);
  });

  it('reads kubeconfig none or a file from settings; the flags override both ways', () => {
    expect(resolveSessionOptions('h', {}, env, { kubeconfig: 'none' }).kubeconfig).toEqual({ kind: 'none' });
    expect(resolveSessionOptions('h', {}, env, { kubeconfig: '/k/dev.yaml' }).kubeconfig).toEqual({
      kind: 'standalone',
      file: '/k/dev.yaml',
    });
    expect(
      resolveSessionOptions('h', { kubeconfig: '/x.yaml' }, env, { kubeconfig: 'none' }).kubeconfig,
    ).toEqual({
      kind: 'standalone',
      file: '/x.yaml',
    });
    expect(
      resolveSessionOptions('h', { kubeconfig: false }, env, { kubeconfig: '/k.yaml' }).kubeconfig,
    ).toEqual({
      kind: 'none',
    });
  });

  it('validates setting values as it does flags, naming the setting and host', () => {
    expect(() => resolveSessionOptions('devserver', {}, env, { bind: 'banana' })).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        message: expect.stringContaining('setting bind "banana" for devserver: not an IP address'),
        hint: 'For example: tunnel config set devserver bind 127.0.0.1',
      }),
    );
    expect(() => resolveSessionOptions('devserver', {}, env, { contextName: 'dev' })).toThrow(
      /setting contextName "dev" for devserver: must contain \{cluster\}/,
    );
    expect(() => resolveSessionOptions('devserver', {}, env, { map: ['1:2', '3:2'] })).toThrow(
      'setting map for devserver sends both 1 and 3 to local port 2.',
    );
    expect(() => resolveSessionOptions('devserver', {}, env, { holdTimeout: '0' })).toThrow(
      /setting holdTimeout "0" for devserver: 0 means 0ms \(a bare number is milliseconds\); it must be from/,
    );
    // A flag that replaces a bad setting is all that is checked.
    expect(resolveSessionOptions('devserver', { bind: '::1' }, env, { bind: 'banana' }).bindAddress).toBe(
      '::1',
    );
  });
});

describe('paths', () => {
  it('keeps all state under TUNNEL_HOME when set, else the platform convention', () => {
    expect(stateHome({ TUNNEL_HOME: '/tmp/t' }, 'linux')).toBe('/tmp/t');
    expect(stateHome(env, 'darwin')).toBe('/home/dev/Library/Application Support/tunnel');
    expect(stateHome(env, 'linux')).toBe('/home/dev/.local/state/tunnel');
    expect(stateHome({ ...env, XDG_STATE_HOME: '/x' }, 'linux')).toBe('/x/tunnel');
  });

  it('falls back to ~/.kube/config when KUBECONFIG is empty', () => {
    expect(defaultKubeconfigPath({ ...env, KUBECONFIG: '' })).toBe('/home/dev/.kube/config');
  });
});
