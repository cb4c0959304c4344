import { describe, expect, it } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { chooseCluster } from '../../../src/image/target.js';
import { k3dCluster } from '../../builders.js';

const myApp = k3dCluster('my-app');
const shop = k3dCluster('shop');
const old = k3dCluster('old', { running: false, serversRunning: 0 });

describe('chooseCluster', () => {
  it('takes the only running cluster when --cluster is not given', () => {
    expect(chooseCluster([old, myApp], undefined, 'devserver')).toBe(myApp);
  });

  it('asks to pick one with --cluster when several run, listing them (exit 2)', () => {
    const attempt = () => chooseCluster([myApp, old, shop], undefined, 'devserver');
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(
      'devserver runs 2 k3d clusters ("my-app", "shop"); say which one gets the image.',
    );
  });

  it('names the cluster it cannot use: unknown, stopped, none running', () => {
    expect(() => chooseCluster([myApp], 'nope', 'devserver')).toThrow(
      'There is no k3d cluster "nope" on devserver (there are: "my-app").',
    );
    expect(() => chooseCluster([myApp, old], 'old', 'devserver')).toThrow(/"old" on devserver is stopped/);
    expect(() => chooseCluster([old], undefined, 'devserver')).toThrow(
      'No k3d cluster is running on devserver (stopped: "old").',
    );
    try {
      chooseCluster([], undefined, 'devserver');
    } catch (error) {
      expect(error).toBeInstanceOf(TunnelError);
      expect((error as TunnelError).hint).toBe(
        'Create one on the dev server: ssh devserver k3d cluster create <name>',
      );
    }
  });

  it('never puts a hostile remote name into a command it suggests', () => {
    const hostile = k3dCluster('x; touch /tmp/pwned', { running: false });
    try {
      chooseCluster([hostile], 'x; touch /tmp/pwned', 'devserver');
      expect.unreachable();
    } catch (error) {
      expect((error as TunnelError).hint).toBe(
        'Start it on the dev server: ssh devserver k3d cluster start <name>',
      );
    }
  });
});
