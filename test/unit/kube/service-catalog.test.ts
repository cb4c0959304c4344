import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { type KubeApi, parseEach } from '../../../src/kube/api.js';
import { type CatalogChange, ServiceCatalog } from '../../../src/kube/service-catalog.js';
import { type KubeService, type KubeTolerantList, parseNode, parseService } from '../../../src/kube/types.js';
import type { WatchOptions } from '../../../src/kube/watch.js';
import type { WatchEvent } from '../../../src/kube/watch-event.js';
import type { LogLevel } from '../../../src/log.js';

const serviceObject = (namespace: string, name: string, type = 'NodePort', port = 3000, version = '10') => ({
  metadata: { namespace, name, resourceVersion: version, labels: { app: name } },
  spec: {
    type,
    selector: { app: name },
    ports: [
      { protocol: 'TCP', port, targetPort: 8080, ...(type === 'ClusterIP' ? {} : { nodePort: 31742 }) },
    ],
  },
});
const service = (...args: Parameters<typeof serviceObject>): KubeService =>
  parseService(serviceObject(...args));
const nodeObject = (name: string, ready: boolean) => ({
  metadata: { name, resourceVersion: '20' },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    addresses: [{ type: 'InternalIP', address: '172.18.0.3' }],
  },
});

/** Timers that run only when the test moves time on. */
function fakeClock() {
  let time = 0;
  let next = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => time,
    setTimeout: (callback: () => void, ms: number) => {
      timers.set(next, { at: time + ms, callback });
      return next++;
    },
    clearTimeout: (handle: unknown) => void timers.delete(handle as number),
    pending: () => [...timers.values()].map((timer) => timer.at - time),
    advance(ms: number) {
      time += ms;
      for (const [id, timer] of [...timers]) {
        if (timer.at > time) continue;
        timers.delete(id);
        timer.callback();
      }
    },
  };
}

/** The API: lists from mutable state; watches the test drives. */
function fakeCluster() {
  const state = {
    services: [service('my-namespace', 'my-app-svc', 'NodePort', 8080), service('monitoring', 'grafana')],
    nodes: [
      parseNode(nodeObject('k3d-my-app-server-0', true)),
      parseNode(nodeObject('k3d-my-app-agent-0', false)),
    ],
    version: '100',
    listFailure: undefined as Error | undefined,
    /** Raw objects added to the lists as the API would send them. */
    malformedServices: [] as unknown[],
    malformedNodes: [] as unknown[],
  };
  let lists = 0;
  const watches: {
    options: WatchOptions;
    end: () => void;
    fail: (error: Error) => void;
    closed: () => boolean;
  }[] = [];
  // Malformed objects go through the API's own tolerant parse (api.ts): counted, the first problem kept.
  const list = async <T>(
    items: T[],
    raw: unknown[],
    parse: (item: unknown) => T,
  ): Promise<KubeTolerantList<T>> => {
    lists++;
    if (state.listFailure) throw state.listFailure;
    const bad = parseEach(raw, parse);
    return { ...bad, items: [...items, ...bad.items], resourceVersion: state.version };
  };
  const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
  const api = {
    context,
    channel: {
      open: () => Promise.reject(new Error('unused')),
      credentials: { ca: '', cert: '', key: '' },
      context,
    },
    listServicesAt: () => list(state.services, state.malformedServices, parseService),
    listNodes: () => list(state.nodes, state.malformedNodes, parseNode),
  } as unknown as KubeApi;
  // A watch is open until it ends, fails or is aborted.
  const watch = (options: WatchOptions) =>
    new Promise<void>((resolve, reject) => {
      let done = false;
      const settle = (error?: Error) => {
        done = true;
        if (error) reject(error);
        else resolve();
      };
      options.signal.addEventListener('abort', () => settle());
      watches.push({
        options,
        end: () => settle(),
        fail: settle,
        closed: () => done || options.signal.aborted,
      });
    });
  const open = () => watches.filter((entry) => !entry.closed());
  const on = (path: string) => {
    const found = open().find((entry) => entry.options.path === path);
    if (!found) throw new Error(`no open watch of ${path}`);
    return found;
  };
  const send = (path: string, event: WatchEvent) => on(path).options.onEvent(event);
  return { state, api, watch, watches, open, on, send, lists: () => lists };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const added = (object: object): WatchEvent => ({
  type: 'ADDED',
  object: object as Record<string, unknown>,
  resourceVersion: (object as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
});

async function started(options: { maxServices?: number } = {}) {
  const cluster = fakeCluster();
  const clock = fakeClock();
  const changes: CatalogChange[] = [];
  const logs: { level: LogLevel; message: string }[] = [];
  const catalog = new ServiceCatalog({
    api: cluster.api,
    cluster: 'my-app',
    onChange: (change) => changes.push(change),
    log: (level, message) => logs.push({ level, message }),
    clock,
    watch: cluster.watch,
    random: () => 1,
    ...options,
  });
  await catalog.start();
  await flush();
  return { cluster, clock, changes, logs, catalog };
}

const names = (services: { namespace: string; name: string }[]) =>
  services.map((s) => `${s.namespace}/${s.name}`);

describe('ServiceCatalog', () => {
  it('lists Services and Nodes, then watches both from the lists’ resourceVersions', async () => {
    const { cluster, changes, catalog } = await started();
    expect(names(catalog.current().services)).toEqual(['monitoring/grafana', 'my-namespace/my-app-svc']);
    expect(catalog.current()).toMatchObject({ readyNodes: ['k3d-my-app-server-0'] });
    expect(catalog.current().error).toBeUndefined();
    expect(catalog.current().services[0]).toEqual({
      namespace: 'monitoring',
      name: 'grafana',
      type: 'NodePort',
      labels: { app: 'grafana' },
      hasSelector: true,
      ports: [{ protocol: 'TCP', port: 3000, nodePort: 31742 }],
    });
    expect(cluster.open().map((entry) => [entry.options.path, entry.options.resourceVersion])).toEqual([
      ['/api/v1/services', '100'],
      ['/api/v1/nodes', '100'],
    ]);
    expect(changes).toEqual([]);
    catalog.stop();
  });

  it('reports a Service that appears, changes and leaves; an unchanged MODIFIED is no change', async () => {
    const { cluster, changes, catalog } = await started();
    cluster.send('/api/v1/services', added(serviceObject('default', 'backend', 'ClusterIP', 9000, '101')));
    cluster.send('/api/v1/services', {
      type: 'MODIFIED',
      object: serviceObject('default', 'backend', 'ClusterIP', 9000, '102'),
      resourceVersion: '102',
    });
    cluster.send('/api/v1/services', {
      type: 'MODIFIED',
      object: serviceObject('monitoring', 'grafana', 'NodePort', 3001, '103'),
      resourceVersion: '103',
    });
    cluster.send('/api/v1/services', {
      type: 'DELETED',
      object: serviceObject('my-namespace', 'my-app-svc', 'NodePort', 8080, '104'),
      resourceVersion: '104',
    });
    expect(changes.map((c) => [names(c.appeared), names(c.changed), names(c.left), c.nodesChanged])).toEqual([
      [['default/backend'], [], [], false],
      [[], ['monitoring/grafana'], [], false],
      [[], [], ['my-namespace/my-app-svc'], false],
    ]);
    expect(names(catalog.current().services)).toEqual(['default/backend', 'monitoring/grafana']);
    catalog.stop();
  });

  it('follows node readiness, and omits ExternalName Services', async () => {
    const { cluster, changes, catalog } = await started();
    cluster.send('/api/v1/nodes', {
      type: 'MODIFIED',
      object: nodeObject('k3d-my-app-agent-0', true),
      resourceVersion: '21',
    });
    cluster.send('/api/v1/services', added(serviceObject('default', 'alias', 'ExternalName', 80, '105')));
    expect(changes).toEqual([{ appeared: [], left: [], changed: [], nodesChanged: true }]);
    expect(catalog.current().readyNodes).toEqual(['k3d-my-app-agent-0', 'k3d-my-app-server-0']);
    expect(names(catalog.current().services)).not.toContain('default/alias');
    catalog.stop();
  });

  it('resumes a watch the server ended from the last bookmark, without listing again', async () => {
    const { cluster, clock, catalog } = await started();
    cluster.send('/api/v1/services', { type: 'BOOKMARK', resourceVersion: '150' });
    clock.advance(300_000);
    cluster.on('/api/v1/services').end();
    await flush();
    expect(cluster.on('/api/v1/services').options.resourceVersion).toBe('150');
    expect(cluster.lists()).toBe(2);
    catalog.stop();
  });

  it('on 410 Gone stops both watches, lists again after a backoff and reports the difference', async () => {
    const { cluster, clock, changes, catalog } = await started();
    cluster.state.services = [
      service('monitoring', 'grafana'),
      service('default', 'backend', 'ClusterIP', 9000),
    ];
    cluster.state.version = '300';
    cluster.send('/api/v1/services', { type: 'ERROR', code: 410, reason: 'Expired', message: 'too old' });
    await flush();
    expect(cluster.open()).toEqual([]);
    expect(catalog.current().error).toMatch(/410 Gone/);
    expect(clock.pending()).toEqual([500]);
    clock.advance(500);
    await flush();
    expect(changes).toEqual([
      expect.objectContaining({
        appeared: [expect.objectContaining({ name: 'backend' })],
        changed: [],
        nodesChanged: false,
      }),
    ]);
    expect(names(changes[0]!.left)).toEqual(['my-namespace/my-app-svc']);
    expect(catalog.current().error).toBeUndefined();
    expect(cluster.open().map((entry) => entry.options.resourceVersion)).toEqual(['300', '300']);
    catalog.stop();
  });

  it('after a broken stream backs off (longer while listing fails, at most 10 s), keeping the error', async () => {
    const { cluster, clock, catalog, logs } = await started();
    cluster.state.listFailure = new TunnelError('KUBE_API', 'the API of my-app is down');
    cluster.on('/api/v1/nodes').fail(new TunnelError('KUBE_API', 'the connection broke'));
    await flush();
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const [delay] = clock.pending();
      delays.push(delay!);
      clock.advance(delay!);
      await flush();
      expect(catalog.current().error).toBe('the API of my-app is down');
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
    expect(logs.some((entry) => entry.level === 'warn' && /the connection broke/.test(entry.message))).toBe(
      true,
    );
    cluster.state.listFailure = undefined;
    clock.advance(clock.pending()[0]!);
    await flush();
    expect(catalog.current().error).toBeUndefined();
    expect(cluster.open()).toHaveLength(2);
    catalog.stop();
  });

  it('starts the backoff over after a watch that ran well for a while', async () => {
    const { cluster, clock, catalog } = await started();
    const breakAndRelist = async () => {
      cluster.on('/api/v1/services').fail(new Error('broken'));
      await flush();
      const [delay] = clock.pending();
      clock.advance(delay!);
      await flush();
      return delay;
    };
    expect(await breakAndRelist()).toBe(500);
    expect(await breakAndRelist()).toBe(1000);
    clock.advance(60_000);
    expect(await breakAndRelist()).toBe(500);
    catalog.stop();
  });

  it('skips malformed Services and Nodes in a list with one warning per list, keeping the rest', async () => {
    const cluster = fakeCluster();
    cluster.state.malformedServices = [
      serviceObject('default', 'evil\u001b]0;pwned\u0007'),
      serviceObject('default', 'bad-port', 'NodePort', 70_000),
      serviceObject('default', 'fine', 'NodePort', 81),
    ];
    cluster.state.malformedNodes = [{ metadata: { name: 'Not A Node' } }];
    const logs: string[] = [];
    const catalog = new ServiceCatalog({
      api: cluster.api,
      cluster: 'my-app',
      onChange: () => {},
      log: (_level, message) => logs.push(message),
      clock: fakeClock(),
      watch: cluster.watch,
    });
    await catalog.start();
    expect(names(catalog.current().services)).toEqual([
      'default/fine',
      'monitoring/grafana',
      'my-namespace/my-app-svc',
    ]);
    expect(catalog.current().readyNodes).toEqual(['k3d-my-app-server-0']);
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/^ignored 2 malformed Service\(s\) in the list from my-app: /);
    expect(logs[0]).toContain('metadata.name is not a Kubernetes name: "evil');
    expect(logs[1]).toMatch(/^ignored 1 malformed Node\(s\) in the list from my-app: /);
    for (const line of logs) expect(line).not.toMatch(/[\u0000-\u001f]/);
    catalog.stop();
  });

  it('logs a watch event whose object is not a valid Service, and goes on', async () => {
    const { cluster, changes, logs, catalog } = await started();
    cluster.send(
      '/api/v1/services',
      added(serviceObject('default', 'evil\u001b]0;pwned\u0007', 'NodePort', 80, '106')),
    );
    cluster.send(
      '/api/v1/services',
      added({ metadata: { name: 'no-spec', namespace: 'default', resourceVersion: '107' } }),
    );
    cluster.send('/api/v1/services', added(serviceObject('default', 'fine', 'NodePort', 81, '108')));
    expect(changes.map((change) => names(change.appeared))).toEqual([['default/fine']]);
    const warnings = logs.filter((entry) => entry.level === 'warn').map((entry) => entry.message);
    expect(warnings).toHaveLength(2);
    expect(warnings.join(' ')).not.toMatch(/[\u0000-\u001f]/);
    catalog.stop();
  });

  it('keeps at most maxServices Services, with one warning', async () => {
    const { cluster, logs, catalog } = await started({ maxServices: 2 });
    cluster.send('/api/v1/services', added(serviceObject('default', 'third', 'NodePort', 82, '109')));
    cluster.send('/api/v1/services', added(serviceObject('default', 'fourth', 'NodePort', 83, '110')));
    expect(catalog.current().services).toHaveLength(2);
    expect(logs.filter((entry) => /more than 2 Services/.test(entry.message))).toHaveLength(1);
    catalog.stop();
  });

  it('stop() aborts the watches and the backoff: no timers, no more lists', async () => {
    const { cluster, clock, catalog } = await started();
    const [services] = cluster.open();
    catalog.stop();
    expect(services!.closed()).toBe(true);
    expect(cluster.open()).toEqual([]);

    const second = await started();
    second.cluster.on('/api/v1/services').fail(new Error('broken'));
    await flush();
    expect(second.clock.pending()).toHaveLength(1);
    second.catalog.stop();
    expect(second.clock.pending()).toEqual([]);
    await flush();
    expect(second.cluster.lists()).toBe(2);
    expect(second.cluster.open()).toEqual([]);
    expect(clock.pending()).toEqual([]);
  });

  it('start() rejects when the first list fails', async () => {
    const cluster = fakeCluster();
    cluster.state.listFailure = new TunnelError('KUBE_API', 'forbidden');
    const catalog = new ServiceCatalog({
      api: cluster.api,
      cluster: 'my-app',
      onChange: () => {},
      log: () => {},
      clock: fakeClock(),
      watch: cluster.watch,
    });
    await expect(catalog.start()).rejects.toThrow('forbidden');
    expect(cluster.watches).toEqual([]);
  });
});
