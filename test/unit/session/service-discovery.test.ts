// A Service created while connected must reach the plan at once, without another `k3d cluster list`:
// a catalog change asks the supervisor to re-discover and that discovery re-uses the clusters it has.
// And `tunnel logs` says which Services appeared (on which local port) or left.
import { describe, expect, it } from 'vitest';
import { defaultServiceSelection } from '../../../src/config/resolve.js';
import { emptyDiscovery } from '../../../src/session/discovery.js';
import type { LiveConnection } from '../../../src/session/live-connection.js';
import { ServiceDiscovery } from '../../../src/session/service-discovery.js';
import { forwardSpec, k3dCluster } from '../../builders.js';
import { fakeConnection, fakeKube, nodes } from './service-fakes.js';

const myApp = k3dCluster('my-app', { nodes: nodes('my-app') });

function subject(initially = true) {
  let forwarding = initially;
  const kube = fakeKube();
  const k3dRuns: string[] = [];
  const lines: string[] = [];
  const rediscoveries: string[] = [];
  const pending: (() => void)[] = [];
  const services = new ServiceDiscovery({
    options: { services: defaultServiceSelection(), clusters: [] },
    discovery: emptyDiscovery(),
    log: (_level, message) => lines.push(message),
    rediscoverNow: () => {
      rediscoveries.push('now');
      // A re-plan ends when the test says (finishReplan).
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    isForwarding: () => forwarding,
    discoverClusters: async () => {
      k3dRuns.push('k3d cluster list');
      return [myApp];
    },
    kube,
  });
  const connection = fakeConnection() as unknown as LiveConnection & ReturnType<typeof fakeConnection>;
  const setForwarding = (value: boolean) => {
    forwarding = value;
  };
  const finishReplan = () => pending.shift()?.();
  return { services, kube, k3dRuns, lines, rediscoveries, connection, setForwarding, finishReplan };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('ServiceDiscovery', () => {
  it('re-plans on a catalog change without running k3d again', async () => {
    const { services, kube, k3dRuns, rediscoveries, connection } = subject();
    expect(await services.discover(connection)).toEqual([myApp]);
    expect(k3dRuns).toHaveLength(1);
    // A burst of watch events: one re-plan.
    kube.catalogsMade[0]!.announce();
    kube.catalogsMade[0]!.announce();
    await flush();
    expect(rediscoveries).toEqual(['now']);
    expect(await services.discover(connection)).toEqual([myApp]);
    expect(k3dRuns).toHaveLength(1);
    expect(kube.apisOpened).toEqual(['my-app']);
    // The timer's next discovery reads k3d again.
    await services.discover(connection);
    expect(k3dRuns).toHaveLength(2);
  });

  it('runs at most one re-plan and one pending, however many watch events arrive', async () => {
    const { services, kube, rediscoveries, connection, finishReplan } = subject();
    await services.discover(connection);
    const catalog = kube.catalogsMade[0]!;
    catalog.announce();
    await flush();
    expect(rediscoveries).toEqual(['now']);
    // A flood while that re-plan runs: one more afterwards, not one per event.
    for (let event = 0; event < 50; event++) {
      catalog.announce();
      await flush();
    }
    expect(rediscoveries).toEqual(['now']);
    finishReplan();
    await flush();
    expect(rediscoveries).toEqual(['now', 'now']);
    finishReplan();
    await flush();
    expect(rediscoveries).toEqual(['now', 'now']);
    // Quiet again: the next change re-plans at once.
    catalog.announce();
    await flush();
    expect(rediscoveries).toEqual(['now', 'now', 'now']);
  });

  it('does not re-use clusters across a reconnect, nor re-plan a session that is not forwarding', async () => {
    const { services, kube, k3dRuns, rediscoveries, connection } = subject();
    await services.discover(connection);
    kube.catalogsMade[0]!.announce();
    await flush();
    const next = fakeConnection() as unknown as LiveConnection;
    await services.discover(next);
    expect(k3dRuns).toHaveLength(2);
    expect(rediscoveries).toEqual(['now']);

    const down = subject(false);
    await down.services.discover(down.connection);
    down.kube.catalogsMade[0]!.announce();
    await flush();
    expect(down.rediscoveries).toEqual([]);
    // A change between the first plan and the first forward is re-planned once the session forwards.
    down.services.sessionChanged();
    down.setForwarding(true);
    down.services.sessionChanged();
    down.services.sessionChanged();
    await flush();
    expect(down.rediscoveries).toEqual(['now']);
  });

  it('logs the Services an apply started and stopped, not the first apply’s nor a failed bind', () => {
    const { services, lines } = subject();
    const grafana = forwardSpec({
      id: 'my-app/service/monitoring/grafana:3000',
      localPort: 3000,
      service: { namespace: 'monitoring', name: 'grafana', port: 3000 },
    });
    const app = forwardSpec({
      id: 'my-app/service/my-namespace/app\u001b[31m:8080',
      localPort: 8081,
      service: { namespace: 'my-namespace', name: 'app\u001b[31m', port: 8080 },
    });
    const backend = forwardSpec({
      id: 'my-app/service/default/backend:9000',
      localPort: 9000,
      service: { namespace: 'default', name: 'backend', port: 9000 },
    });
    const api = forwardSpec({ kind: 'api', remotePort: 16443 });
    const none = { started: [], stopped: [], failed: [] };
    services.noteApplied({ ...none, started: [api, app] });
    expect(lines).toEqual([]);
    // Planned but its port could not be bound: not announced.
    services.noteApplied({
      ...none,
      started: [grafana],
      failed: [{ spec: backend, error: new Error('busy') }],
    });
    services.noteApplied({ ...none, stopped: [app] });
    // Moved to another local port: it neither appeared nor left.
    services.noteApplied({ started: [{ ...grafana, localPort: 3001 }], stopped: [grafana], failed: [] });
    expect(lines).toEqual([
      'service monitoring/grafana:3000 appeared on my-app → 127.0.0.1:3000',
      'service my-namespace/app\\x1b[31m:8080 left my-app',
    ]);
  });
});
