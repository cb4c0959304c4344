// The follower is what makes Services appear in a session: a catalog per running cluster over the
// current connection, node reachability once per connection, an `error` entry (not a failed session)
// when a cluster's API cannot be read, and everything rebuilt over a new connection.
import { describe, expect, it } from 'vitest';
import { defaultServiceSelection } from '../../../src/config/resolve.js';
import type { ServiceInfo, ServicesMode } from '../../../src/plan/types.js';
import { ServiceFollower } from '../../../src/session/service-follow.js';
import { forwardSpec, k3dCluster } from '../../builders.js';
import {
  type FakeChannel,
  type FakeKube,
  fakeConnection,
  fakeKube,
  manualClock,
  nodes,
} from './service-fakes.js';

const myApp = k3dCluster('my-app', { nodes: nodes('my-app') });
const other = k3dCluster('other', { nodes: nodes('other', '172.19.0.2', '172.19.0.3') });

function follower(
  kube: FakeKube,
  options: { mode?: ServicesMode; clusters?: string[]; clock?: ReturnType<typeof manualClock> } = {},
) {
  const changes: string[] = [];
  const lines: string[] = [];
  const services = { ...defaultServiceSelection(), mode: options.mode ?? 'nodeport' };
  const subject = new ServiceFollower({
    options: { services, clusters: options.clusters ?? [] },
    onChange: () => changes.push('change'),
    log: (_level, message) => lines.push(message),
    kube,
    clock: options.clock ?? manualClock(),
  });
  return { subject, changes, lines };
}

function live(kube: FakeKube): string[] {
  return kube.catalogsMade.filter((catalog) => !catalog.stopped).map((catalog) => catalog.cluster);
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ServiceFollower', () => {
  it('follows every running cluster and tells the plan its Services, ready nodes and node reach', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube);
    const connection = fakeConnection();
    await subject.update(connection, [myApp, other, k3dCluster('stopped', { running: false })]);
    expect(live(kube)).toEqual(['my-app', 'other']);
    expect(subject.catalogs().get('my-app')).toEqual({
      services: [],
      readyNodes: ['k3d-my-app-server-0'],
      nodeReach: { reachable: true },
    });
    expect(subject.catalogs().has('stopped')).toBe(false);
    // Probed once per cluster: a second discovery over the same connection dials nothing new.
    await subject.update(connection, [myApp, other]);
    expect(connection.dialled.sort()).toEqual(['172.18.0.3:6443', '172.19.0.2:6443']);
    expect(kube.apisOpened).toEqual(['my-app', 'other']);
  });

  it('follows only the clusters the session names, and nothing at all in mapped mode', async () => {
    const kube = fakeKube();
    await follower(kube, { clusters: ['other'] }).subject.update(fakeConnection(), [myApp, other]);
    expect(live(kube)).toEqual(['other']);
    const mapped = fakeKube();
    const { subject } = follower(mapped, { mode: 'mapped' });
    const connection = fakeConnection();
    await subject.update(connection, [myApp]);
    expect(mapped.apisOpened).toEqual([]);
    expect(connection.dialled).toEqual([]);
    expect(subject.catalogs().size).toBe(0);
  });

  it('says the node addresses are unreachable when the engine runs on another host', async () => {
    const kube = fakeKube();
    const { subject, lines } = follower(kube);
    const connection = fakeConnection({ engineHost: 'build-box' });
    await subject.update(connection, [myApp]);
    expect(subject.catalogs().get('my-app')?.nodeReach).toEqual({
      reachable: false,
      reason: 'the docker engine runs on build-box; its cluster network is not reachable from the dev server',
      cause: 'docker runs on build-box',
    });
    expect(connection.dialled).toEqual([]);
    expect(lines).toContain(
      'node addresses of my-app not reachable: the docker engine runs on build-box; its cluster network is not reachable from the dev server',
    );
  });

  it('gives a cluster whose API fails an error entry, and retries it in the background with a backoff', async () => {
    const kube = fakeKube();
    kube.failing.set('my-app', 'k3d kubeconfig get failed: no such cluster');
    const clock = manualClock();
    const { subject, lines, changes } = follower(kube, { clock });
    const connection = fakeConnection();
    await subject.update(connection, [myApp, other]);
    expect(subject.catalogs().get('my-app')).toMatchObject({
      services: [],
      error: 'k3d kubeconfig get failed: no such cluster',
    });
    expect(subject.catalogs().get('other')?.error).toBeUndefined();
    expect(lines).toContain(
      'services of my-app not followed (mapped ports only; retrying): k3d kubeconfig get failed: no such cluster',
    );
    // The next discovery does not try it again itself (that would hold up every other cluster's re-plan).
    await subject.update(connection, [myApp, other]);
    expect(kube.apisOpened).toEqual(['my-app', 'other']);
    // The background retry fails the same way: no new line, and it tries again later.
    clock.fireAll();
    await flush();
    expect(kube.apisOpened).toEqual(['my-app', 'other', 'my-app']);
    expect(lines.filter((line) => line.startsWith('services of my-app not followed'))).toHaveLength(1);
    expect(subject.catalogs().get('my-app')?.error).toBe('k3d kubeconfig get failed: no such cluster');
    expect(changes).toEqual([]);
    kube.failing.clear();
    clock.fireAll();
    await flush();
    expect(subject.catalogs().get('my-app')?.error).toBeUndefined();
    expect(live(kube)).toEqual(['other', 'my-app']);
    expect(changes).toEqual(['change']);
    expect(clock.pending()).toBe(0);
  });

  it('does not hold up a later discovery for a cluster whose API hangs', async () => {
    const kube = fakeKube();
    kube.hanging.add('my-app');
    const clock = manualClock();
    const { subject, changes } = follower(kube, { clock });
    const connection = fakeConnection();
    const first = subject.update(connection, [myApp]);
    await flush();
    clock.fireAll();
    await first;
    expect(subject.catalogs().get('my-app')?.error).toMatch(/did not list its Services within 30 s/);
    // Its background retry hangs too; a discovery meanwhile (another cluster appeared) is not held up.
    clock.fireAll();
    await flush();
    expect(kube.catalogsMade).toHaveLength(2);
    await subject.update(connection, [myApp, other]);
    expect(live(kube)).toEqual(['my-app', 'other']);
    expect(subject.catalogs().get('my-app')?.error).toMatch(/did not list its Services within 30 s/);
    expect(subject.catalogs().get('other')?.error).toBeUndefined();
    expect(changes).toEqual([]);
    // Dropped (the cluster stopped) while retrying: no timer is left behind.
    await subject.update(connection, [other]);
    clock.fireAll();
    await flush();
    expect(clock.pending()).toBe(0);
    expect(live(kube)).toEqual(['other']);
  });

  it('keeps the last known Services while a catalog relists after a broken watch', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube);
    await subject.update(fakeConnection(), [myApp]);
    const grafana: ServiceInfo = {
      namespace: 'monitoring',
      name: 'grafana',
      type: 'NodePort',
      labels: {},
      hasSelector: true,
      ports: [{ port: 3000, nodePort: 31742, protocol: 'TCP' }],
    };
    kube.catalogsMade[0]!.view = {
      services: [grafana],
      readyNodes: ['k3d-my-app-server-0'],
      error: 'the services watch answered 410 Gone: its resourceVersion is too old',
    };
    const entry = subject.catalogs().get('my-app');
    expect(entry?.error).toBeUndefined();
    expect(entry?.services).toEqual([grafana]);
  });

  it('gives up on a first list that never ends, so discovery goes on without that cluster’s Services', async () => {
    const kube = fakeKube();
    kube.hanging.add('my-app');
    const clock = manualClock();
    const { subject } = follower(kube, { clock });
    const updating = subject.update(fakeConnection(), [myApp]);
    await new Promise((resolve) => setImmediate(resolve));
    clock.fireAll();
    await updating;
    expect(subject.catalogs().get('my-app')?.error).toBe(
      'the API of my-app did not list its Services within 30 s',
    );
    expect(kube.catalogsMade[0]!.stopped).toBe(true);
  });

  it('replaces the catalog of a re-created cluster and stops that of a deleted one', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube);
    const connection = fakeConnection();
    await subject.update(connection, [myApp, other]);
    const recreated = { ...myApp, createdAt: '2026-01-02T09:00:00Z' };
    await subject.update(connection, [recreated]);
    expect(kube.catalogsMade.map((catalog) => [catalog.cluster, catalog.stopped])).toEqual([
      ['my-app', true],
      ['other', true],
      ['my-app', false],
    ]);
    expect([...subject.catalogs().keys()]).toEqual(['my-app']);
    // A re-created cluster may sit on a new network: probed again.
    expect(connection.dialled).toEqual(['172.18.0.3:6443', '172.19.0.2:6443', '172.18.0.3:6443']);
  });

  it('stops everything when the connection closes and rebuilds it over the next one', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube);
    const first = fakeConnection();
    await subject.update(first, [myApp]);
    first.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(live(kube)).toEqual([]);
    expect(subject.catalogs().size).toBe(0);
    const second = fakeConnection();
    await subject.update(second, [myApp]);
    expect(live(kube)).toEqual(['my-app']);
    expect(second.dialled).toEqual(['172.18.0.3:6443']);
    // A forward's channel asked on the old connection is a link failure (the listener holds and retries).
    const spec = forwardSpec({ via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 } });
    await expect(subject.openPod(first, spec)).rejects.toMatchObject({ linkDown: true });
  });

  it('passes a catalog change on only while its catalog is current', async () => {
    const kube = fakeKube();
    const { subject, changes } = follower(kube);
    await subject.update(fakeConnection(), [myApp]);
    kube.catalogsMade[0]!.announce({ nodesChanged: true });
    expect(changes).toEqual(['change']);
    subject.stop();
    kube.catalogsMade[0]!.announce();
    expect(changes).toEqual(['change']);
  });

  it('opens a pod port-forward through the cluster’s API for a via-pod forward', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube, { mode: 'all' });
    const connection = fakeConnection();
    await subject.update(connection, [myApp]);
    const spec = forwardSpec({
      cluster: 'my-app',
      service: { namespace: 'default', name: 'backend', port: 9000, portName: 'http' },
      via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
    });
    const channel = await subject.openPod(connection, spec);
    channel.destroy();
    expect(kube.podTargets).toEqual([
      { namespace: 'default', service: 'backend', port: 9000, portName: 'http' },
    ]);
    const elsewhere = { ...spec, cluster: 'gone' };
    await expect(subject.openPod(connection, elsewhere)).rejects.toThrow(
      'The API of cluster "gone" is not being read, so default/backend:9000 cannot be reached through a pod.',
    );
  });

  it('ends the pod streams of a re-created cluster, and starts nothing after stop()', async () => {
    const kube = fakeKube();
    const { subject } = follower(kube, { mode: 'all' });
    const connection = fakeConnection();
    await subject.update(connection, [myApp]);
    const spec = forwardSpec({
      cluster: 'my-app',
      service: { namespace: 'default', name: 'backend', port: 9000 },
      via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
    });
    const open = (await subject.openPod(connection, spec)) as FakeChannel;
    await subject.update(connection, [{ ...myApp, createdAt: '2026-01-02T09:00:00Z' }]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(open.destroyed).toBe(true);
    // An update queued before stop() runs after it: it must not follow anything again.
    const late = subject.update(fakeConnection(), [myApp, other]);
    subject.stop();
    await late;
    expect(live(kube)).toEqual([]);
    expect(subject.catalogs().size).toBe(0);
  });
});
