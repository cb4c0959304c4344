import { describe, expect, it } from 'vitest';
import { inspectNodePorts } from '../../../src/nodeports/report.js';
import { nodePortsOk } from '../../../src/nodeports/types.js';
import { k3dCluster } from '../../builders.js';
import { fakeDevServer } from '../cluster/fake-dev-server.js';

const request = (open: ReturnType<typeof fakeDevServer>['open'], clusters: string[] = []) => ({
  host: 'devserver',
  mode: 'check' as const,
  clusters,
  contextTemplate: 'k3d-{cluster}@{host}',
  open,
});

describe('inspectNodePorts', () => {
  it('reports a cluster it cannot read with its error, names the others skipped, and closes', async () => {
    // No API port published: the cluster cannot be asked, which must not hide the rest of the report.
    const devServer = fakeDevServer({
      clusters: [k3dCluster('web'), k3dCluster('old', { running: false })],
    });
    const report = await inspectNodePorts(request(devServer.open));
    expect(report.clusters).toHaveLength(1);
    expect(report.clusters[0]).toMatchObject({
      cluster: 'web',
      context: 'k3d-web@devserver',
      result: undefined,
    });
    expect(report.clusters[0]!.error?.message).toContain('publishes no API port');
    expect(report.skipped.map((entry) => entry.cluster)).toEqual(['old']);
    expect(report.args).toBe('devserver');
    expect(nodePortsOk(report)).toBe(false);
    expect([devServer.opened, devServer.closed]).toEqual([1, 1]);
  });

  it('a cluster on a docker engine host the SSH server cannot dial: its error says why, the command still reports', async () => {
    const unreachable =
      'its ports are published on enginebox, but "enginebox" does not resolve on devserver. Check with: ssh devserver getent hosts enginebox';
    const devServer = fakeDevServer({ clusters: [k3dCluster('web', { unreachable })] });
    const report = await inspectNodePorts(request(devServer.open));
    expect(report.clusters[0]?.error?.message).toBe(`The API cannot be reached: ${unreachable}`);
    expect(devServer.closed).toBe(1);
  });

  it('keeps to the named clusters, and a hostile name out of suggested commands', async () => {
    const devServer = fakeDevServer({ clusters: [k3dCluster('web'), k3dCluster('shop')] });
    const report = await inspectNodePorts(request(devServer.open, ['shop']));
    expect(report.clusters.map((entry) => entry.cluster)).toEqual(['shop']);
    expect(report.args).toBe('devserver --cluster shop');
  });

  it('fails like connect does for a cluster that does not exist, and still closes', async () => {
    const devServer = fakeDevServer({ clusters: [k3dCluster('web')] });
    await expect(inspectNodePorts(request(devServer.open, ['nope']))).rejects.toThrow(/nope/);
    expect(devServer.closed).toBe(1);
  });
});
