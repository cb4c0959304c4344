import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteCluster } from '../../../src/cluster/delete.js';
import { listClusters } from '../../../src/cluster/list.js';
import type { ClusterEvent } from '../../../src/cluster/types.js';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { k3dCluster } from '../../builders.js';
import { fakeDevServer, K3D } from './fake-dev-server.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function deleting(
  answer: { stdout?: string; stderr?: string; code?: number },
  kubeconfig?: string,
  refresh?: () => Promise<boolean | undefined>,
) {
  const devServer = fakeDevServer({ k3d: (args) => (args[1] === 'delete' ? answer : {}) });
  const events: ClusterEvent[] = [];
  const refreshed: string[] = [];
  const report = deleteCluster({
    host: 'devserver',
    name: 'my-app',
    context: 'k3d-my-app@devserver',
    kubeconfig,
    open: devServer.open,
    sessions: {
      refresh:
        refresh ??
        (async () => {
          refreshed.push('devserver');
          return true;
        }),
    },
    onEvent: (event) => events.push(event),
  });
  return { report, devServer, events, refreshed };
}

describe('deleteCluster', () => {
  it("deletes with k3d's progress, then the session re-reads k3d", async () => {
    const { report, devServer, events, refreshed } = deleting({
      stdout: fixture('delete-success.stdout.txt'),
    });
    expect(await report).toEqual({
      host: 'devserver',
      name: 'my-app',
      outcome: 'deleted',
      context: 'k3d-my-app@devserver',
      removedFrom: undefined,
      refreshed: true,
      agentFailure: undefined,
    });
    expect(devServer.k3dCalls).toEqual([['cluster', 'delete', 'my-app']]);
    expect(events[0]).toEqual({ kind: 'k3d-started', command: 'delete' });
    expect(events.at(-1)).toEqual({ kind: 'k3d-finished' });
    expect(events.some((event) => event.kind === 'k3d-progress')).toBe(true);
    expect(refreshed).toEqual(['devserver']);
    expect(devServer.closed).toBe(1);
  });

  it('reports the deletion when the agent then fails: the cluster and its context are gone anyway', async () => {
    const { report, devServer } = deleting(
      { stdout: fixture('delete-success.stdout.txt') },
      undefined,
      async () => {
        throw new TunnelError('AGENT', 'the agent did not answer within 90000 ms');
      },
    );
    const done = await report;
    expect(done.outcome).toBe('deleted');
    expect(devServer.k3dCalls).toEqual([['cluster', 'delete', 'my-app']]);
    expect(done.refreshed).toBeUndefined();
    expect(done.agentFailure).toEqual({
      message: 'the agent did not answer within 90000 ms',
      hint: undefined,
      interrupted: false,
    });
  });

  it('says not-found when k3d has no such cluster', async () => {
    const { report } = deleting({ stdout: fixture('delete-not-found.stdout.txt') });
    expect((await report).outcome).toBe('not-found');
  });

  it('refuses a name k3d would refuse before connecting', async () => {
    const devServer = fakeDevServer();
    const request = {
      host: 'devserver',
      name: 'x; touch /tmp/pwned',
      context: 'c',
      kubeconfig: undefined,
      open: devServer.open,
      sessions: { refresh: async () => undefined },
      onEvent: () => {},
    };
    await expect(deleteCluster(request)).rejects.toBeInstanceOf(UsageError);
    expect(devServer.opened).toBe(0);
  });

  it('warns, without failing, when the kubeconfig cannot be edited: the cluster is gone anyway', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-delete-'));
    dirs.push(dir);
    const file = path.join(dir, 'config');
    writeFileSync(file, 'clusters: [unclosed\n');
    const { report, events } = deleting({ stdout: fixture('delete-success.stdout.txt') }, file);
    const done = await report;
    expect(done.outcome).toBe('deleted');
    expect(done.removedFrom).toBeUndefined();
    const warning = events.find((event) => event.kind === 'warning');
    expect(warning && 'message' in warning && warning.message).toMatch(
      /^context k3d-my-app@devserver not removed: /,
    );
    expect(readFileSync(file, 'utf8')).toBe('clusters: [unclosed\n');
  });
});

describe('listClusters', () => {
  it("reports k3d's version and path and the clusters, as clusters --json prints them", async () => {
    const devServer = fakeDevServer({ clusters: [k3dCluster('my-app')] });
    const report = await listClusters({ host: 'devserver', open: devServer.open });
    expect(report).toEqual({
      host: 'devserver',
      k3d: { version: K3D.k3dVersion, k3s: K3D.k3sVersion, path: '/usr/local/bin/k3d' },
      clusters: [k3dCluster('my-app')],
    });
    expect([devServer.opened, devServer.closed]).toEqual([1, 1]);
  });
});
