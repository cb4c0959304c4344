import { describe, expect, it } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { chooseCluster, listClusterNodes } from '../../../src/image/target.js';
import type { SshConnection } from '../../../src/ssh/types.js';
import { k3dCluster, sshTarget } from '../../builders.js';

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

describe('listClusterNodes', () => {
  // k3d cluster get with docker down: the runtime's ERRO, then "No nodes found" (pkg/client/cluster.go ClusterGet).
  it('says the docker engine is not reachable, not that k3d lists no nodes', async () => {
    const stderr =
      "\u001b[31mERRO\u001b[0m[0000] Failed to get nodes for cluster 'my-app': docker failed to get containers with labels 'map[k3d.cluster:my-app]': failed to list containers: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" +
      '\u001b[31mFATA\u001b[0m[0000] No nodes found for given cluster\n';
    const answer = async () => ({ stdout: '', stderr, code: 1, signal: undefined });
    const conn: SshConnection = {
      target: sshTarget({ alias: 'devbox' }),
      exec: answer,
      execShell: answer,
      forwardOut: () => Promise.reject(new Error('not used')),
      closed: new Promise(() => {}),
      close: () => {},
    };
    const k3d = { command: ['/usr/local/bin/k3d'], path: '/usr/local/bin/k3d', foundVia: 'PATH' as const };
    const error = await listClusterNodes(
      conn,
      { ...k3d, k3dVersion: 'v5.9.0', k3sVersion: undefined },
      'my-app',
    )
      .then(() => undefined)
      .catch((caught: unknown) => caught as TunnelError);
    expect(error?.message).toBe(
      'Cannot list the nodes of "my-app" on devbox: k3d could not reach the docker engine at unix:///var/run/docker.sock: docker is not running there, or runs elsewhere.',
    );
    expect(error?.hint).toContain('ssh devbox docker info');
  });
});
