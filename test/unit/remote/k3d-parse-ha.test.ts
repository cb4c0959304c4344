// HA clusters with servers down (issue 13 item 5): k3d starts server-0 of a multi-server cluster with
// --cluster-init, so k3s runs embedded etcd, which serves only with a quorum of servers (floor(n/2)+1). A
// cluster with a quorum and its API's node up is degraded but runs; with fewer it is stopped. Also the text
// users see for it: `tunnel clusters` and doctor's clusters row.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderClusters } from '../../../src/cli/render.js';
import { runDoctor } from '../../../src/doctor/run.js';
import { parseClusterList } from '../../../src/remote/k3d-parse.js';
import { clusterState } from '../../../src/remote/k3d-state.js';
import type { K3dCluster } from '../../../src/remote/types.js';
import { fakePorts } from '../doctor/fakes.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');
const byName = (clusters: K3dCluster[], name: string) => clusters.find((cluster) => cluster.name === name)!;

// An HA cluster (3 servers) with one stopped (`docker stop k3d-my-app-server-1`): k3d lists 2/3 servers.
function withServers(data: { nodes: Record<string, unknown>[] }[], index: number, states: boolean[]) {
  const cluster = data[index]!;
  const server = cluster.nodes.find((node) => node.role === 'server')!;
  const extra = states.slice(1).map((up, n) => ({
    ...structuredClone(server),
    name: String(server.name).replace(/-0$/, `-${n + 1}`),
    portMappings: {},
    State: { Running: up, Status: up ? 'running' : 'exited', Started: '' },
  }));
  (server.State as { Running: boolean }).Running = states[0]!;
  cluster.nodes.push(...extra);
  Object.assign(cluster, { serversCount: states.length, serversRunning: states.filter(Boolean).length });
  return JSON.stringify(data);
}

/** `my-app` of cluster-list.json with one server state per entry (`docker stop k3d-my-app-server-1` → false). */
const myApp = (states: boolean[], data = JSON.parse(fixture('cluster-list.json'))) =>
  byName(parseClusterList(withServers(data, 1, states)), 'my-app');

describe('parseClusterList: HA clusters with servers down', () => {
  it('an HA cluster with a server down runs (degraded) while its load balancer serves the API', () => {
    const degraded = myApp([true, false, true]);
    expect(degraded).toMatchObject({ running: true, serversRunning: 2, serversCount: 3 });
    expect(degraded.warnings).toContain(
      'degraded: 2 of 3 servers are running; the load balancer serves the API from the servers still up',
    );
    const down = JSON.parse(fixture('cluster-list.json'));
    down[1].nodes[0].State.Running = false; // the serverlb
    expect(myApp([true, false, true], down).running).toBe(false);
    expect(myApp([false, false, false]).running).toBe(false);
  });

  it('without a load balancer, the server that publishes the API decides (--no-lb HA cluster)', () => {
    const upFront = parseClusterList(
      withServers(JSON.parse(fixture('cluster-list-no-lb.json')), 0, [true, false, true]),
    )[0]!;
    expect(upFront.running).toBe(true);
    expect(upFront.warnings.join()).toContain('the API answers on "k3d-solo-server-0"');
    const downFront = parseClusterList(
      withServers(JSON.parse(fixture('cluster-list-no-lb.json')), 0, [false, true, true]),
    )[0]!;
    expect(downFront).toMatchObject({ running: false, serversRunning: 2, serversCount: 3 });
  });

  it('is stopped without an etcd quorum though its load balancer runs: 1 of 3, 1 of 2, 2 of 4', () => {
    const oneOfThree = myApp([true, false, false]);
    expect(oneOfThree).toMatchObject({ running: false, serversRunning: 1, serversCount: 3 });
    expect(oneOfThree.warnings).toContain(
      'stopped: 1 of 3 servers are running; its etcd needs 2 to serve the API',
    );
    expect(myApp([true, false])).toMatchObject({ running: false, serversRunning: 1, serversCount: 2 });
    expect(myApp([true, true, false, false]).running).toBe(false);
    expect(myApp([true, true, true, false]).running).toBe(true);
  });
});

describe('what users see of an HA cluster', () => {
  it('tunnel clusters shows degraded with a quorum, stopped without', () => {
    const rows = renderClusters([
      myApp([true, false, true]),
      { ...myApp([true, false, false]), name: 'gone' },
    ])
      .split('\n')
      .map((line) => line.split(/\s+/).slice(0, 3).join(' '));
    expect(rows).toContain('my-app degraded 2/3');
    expect(rows).toContain('gone stopped 1/3');
    expect(clusterState(myApp([true, true, true]))).toBe('running');
  });

  it("doctor's clusters row says running, degraded (2/3 servers)", async () => {
    const report = await runDoctor({
      alias: 'devserver',
      plan: { clusters: [], maps: new Map<number, number>(), bindAddress: '127.0.0.1' },
      ports: fakePorts({ listClusters: async () => [myApp([true, false, true])] }),
      onResult: () => {},
    });
    const row = report.checks.find((check) => check.id === 'clusters');
    expect(row?.detail).toContain('my-app: running, degraded (2/3 servers)');
  });
});
