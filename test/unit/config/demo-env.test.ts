import { describe, expect, it } from 'vitest';
import { demoEnvironment } from '../../../src/config/demo-env.js';

describe('demoEnvironment', () => {
  it("moves tunnel's state, the kubeconfig and kubectl's cache into the demo's directory, drops the ssh-agent", () => {
    const env = demoEnvironment(
      { stateDir: '/tmp/d/state', kubeconfig: '/tmp/d/kubeconfig', kubeCacheDir: '/tmp/d/kube-cache' },
      {
        PATH: '/bin',
        HOME: '/home/me',
        TUNNEL_HOME: '/home/me/t',
        KUBECONFIG: '/home/me/k',
        SSH_AUTH_SOCK: '/s',
        KUBECACHEDIR: '/home/me/.kube/cache',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/me',
      TUNNEL_HOME: '/tmp/d/state',
      KUBECONFIG: '/tmp/d/kubeconfig',
      KUBECACHEDIR: '/tmp/d/kube-cache',
    });
  });
});
