import { describe, expect, it } from 'vitest';
import { demoEnvironment } from '../../../src/config/demo-env.js';

describe('demoEnvironment', () => {
  it("moves tunnel's state and the kubeconfig into the demo's directory and drops the ssh-agent", () => {
    const env = demoEnvironment(
      { stateDir: '/tmp/d/state', kubeconfig: '/tmp/d/kubeconfig' },
      {
        PATH: '/bin',
        HOME: '/home/me',
        TUNNEL_HOME: '/home/me/t',
        KUBECONFIG: '/home/me/k',
        SSH_AUTH_SOCK: '/s',
      },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/me',
      TUNNEL_HOME: '/tmp/d/state',
      KUBECONFIG: '/tmp/d/kubeconfig',
    });
  });
});
