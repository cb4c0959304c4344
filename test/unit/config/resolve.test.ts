import { describe, expect, it } from 'vitest';
import { defaultKubeconfigPath, stateHome } from '../../../src/config/paths.js';
import { contextNameFor, resolveSessionOptions } from '../../../src/config/resolve.js';

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

  it('fills the context template', () => {
    expect(contextNameFor('k3d-{cluster}@{host}', 'my-app', 'devserver')).toBe('k3d-my-app@devserver');
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
