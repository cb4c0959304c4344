import { describe, expect, it } from 'vitest';
import { defaultServiceSelection } from '../../../src/config/resolve.js';
import { planForwards } from '../../../src/plan/forward-plan.js';
import type { ClusterServices, ForwardSpec, PlanOptions, ServiceSelection } from '../../../src/plan/types.js';
import type { K3dCluster, K3dNodeAddress } from '../../../src/remote/types.js';
import { apiPort, clusterServices, k3dCluster, serviceInfo } from '../../builders.js';

const server: K3dNodeAddress = {
  name: 'k3d-my-app-server-0',
  role: 'server',
  address: '172.18.0.2',
  running: true,
};
const agent: K3dNodeAddress = {
  name: 'k3d-my-app-agent-0',
  role: 'agent',
  address: '172.18.0.3',
  running: true,
};

/** The simulator's services.json: my-app with its API, the mapping 8080:30080 and two nodes. */
function myApp(overrides: Partial<K3dCluster> = {}): K3dCluster {
  return k3dCluster('my-app', {
    api: apiPort(),
    ports: [{ ...apiPort(), containerPort: 30080, hostPort: 8080, isApi: false }],
    nodes: [server, agent],
    ...overrides,
  });
}

const appSvc = serviceInfo();
const grafana = serviceInfo({
  namespace: 'monitoring',
  name: 'grafana',
  labels: { app: 'grafana' },
  ports: [{ protocol: 'TCP', port: 3000, nodePort: 31742, name: 'http' }],
});
const backend = serviceInfo({
  namespace: 'default',
  name: 'backend',
  type: 'ClusterIP',
  labels: { app: 'backend', tier: 'internal' },
  ports: [{ protocol: 'TCP', port: 9000 }],
});
const traefik = serviceInfo({
  namespace: 'kube-system',
  name: 'traefik',
  type: 'LoadBalancer',
  ports: [
    { protocol: 'TCP', port: 80, nodePort: 30880 },
    { protocol: 'TCP', port: 443, nodePort: 30443 },
  ],
});
const everything = [appSvc, grafana, backend, traefik];

function plan(
  catalog: ClusterServices | undefined,
  selection: Partial<ServiceSelection> = {},
  overrides: Partial<PlanOptions> & { cluster?: K3dCluster } = {},
) {
  const { cluster = myApp(), ...rest } = overrides;
  return planForwards([cluster], {
    clusters: [],
    maps: new Map(),
    bindAddress: '127.0.0.1',
    services: { ...defaultServiceSelection(), ...selection },
    catalogs: new Map(catalog ? [['my-app', catalog]] : []),
    ...rest,
  });
}

/** A row as `tunnel connect` shows it: id, local port (and why moved), how it is reached. */
const row = (spec: ForwardSpec) => {
  const via =
    spec.via?.kind === 'node'
      ? `node ${spec.remoteHost}:${spec.remotePort}`
      : spec.via?.kind === 'pod'
        ? 'pod'
        : `host port ${spec.remotePort}`;
  const moved = spec.remapped ? ` (${spec.remapped.reason} from ${spec.remapped.from})` : '';
  const service = spec.service ? ` ${spec.service.namespace}/${spec.service.name}:${spec.service.port}` : '';
  return `${spec.id}${service} local=${spec.localPort}${moved} via ${via}`;
};

describe('Service forwards (services: nodeport, the default)', () => {
  it('names the mapped port after its Service and reaches the unmapped NodePort through the first server', () => {
    const result = plan(clusterServices(everything));
    expect(result.forwards.map(row)).toEqual([
      'my-app/api/127.0.0.1:16443 local=16443 via host port 16443',
      'my-app/service/127.0.0.1:8080 my-namespace/my-app-svc:8080 local=8080 via host port 8080',
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=3000 via node 172.18.0.2:31742',
    ]);
    expect(result.forwards[2]).toMatchObject({
      kind: 'service',
      nodePort: 31742,
      service: { namespace: 'monitoring', name: 'grafana', port: 3000, portName: 'http' },
      via: { kind: 'node', node: 'k3d-my-app-server-0' },
    });
    // ClusterIP needs services: all; kube-system is excluded by default.
    expect(result.skipped).toEqual([]);
  });

  it('uses the first Ready node, servers before agents; none Ready is said once', () => {
    const agentOnly = plan(clusterServices([grafana], { readyNodes: ['k3d-my-app-agent-0'] }));
    expect(agentOnly.forwards.at(-1)?.remoteHost).toBe('172.18.0.3');
    const stopped = plan(
      clusterServices([grafana]),
      {},
      { cluster: myApp({ nodes: [{ ...server, running: false }, agent] }) },
    );
    expect(stopped.forwards.at(-1)?.via).toEqual({ kind: 'node', node: 'k3d-my-app-agent-0' });
    const none = plan(clusterServices([grafana, { ...grafana, name: 'grafana-2' }], { readyNodes: [] }));
    expect(none.forwards.map((spec) => spec.kind)).toEqual(['api', 'service']);
    expect(none.skipped).toEqual([
      {
        cluster: 'my-app',
        reason: expect.stringMatching(/^2 NodePort Services not forwarded: no Ready node/),
      },
    ]);
  });

  it('keeps to the mapped ports when the node addresses are unreachable, saying so in one short line', () => {
    const reason =
      'the dev server cannot connect to node 172.18.0.2 (k3d-my-app-server-0): refused; rootless…';
    const nodeReach = { reachable: false as const, reason, cause: 'rootless docker?' };
    const second = serviceInfo({
      ...grafana,
      name: 'grafana-2',
      ports: [
        { protocol: 'TCP', port: 3000, nodePort: 31743 },
        { protocol: 'TCP', port: 3001, nodePort: 31744 },
      ],
    });
    const result = plan(clusterServices([...everything, second], { nodeReach }));
    expect(result.forwards.map((spec) => spec.id)).toEqual([
      'my-app/api/127.0.0.1:16443',
      'my-app/service/127.0.0.1:8080',
    ]);
    // grafana and grafana-2 (2 ports): Services are counted, not ports; the long reason is the log's.
    expect(result.skipped).toEqual([
      {
        cluster: 'my-app',
        reason:
          '2 NodePort Services not forwarded: the dev server cannot reach the k3d node addresses (rootless docker?); ' +
          'mapped ports still work, --services all reaches them through the API',
      },
    ]);
  });

  it('forwards nothing but the mapped ports of a cluster whose API was not read, and says why', () => {
    expect(plan(undefined).forwards).toHaveLength(2);
    expect(plan(undefined).skipped).toEqual([
      { cluster: 'my-app', reason: expect.stringContaining('API has not been read') },
    ]);
    const failed = plan(clusterServices(everything, { error: 'the API answered 401 Unauthorized' }));
    expect(failed.forwards).toHaveLength(2);
    expect(failed.skipped).toEqual([
      { cluster: 'my-app', reason: expect.stringContaining('401 Unauthorized') },
    ]);
  });

  it('reaches a LoadBalancer without a nodePort on its own port (ServiceLB binds it on every node)', () => {
    const lb = serviceInfo({
      namespace: 'web',
      name: 'site',
      type: 'LoadBalancer',
      ports: [{ protocol: 'TCP', port: 8443 }],
    });
    expect(
      plan(clusterServices([lb]))
        .forwards.map(row)
        .at(-1),
    ).toBe('my-app/service/web/site:8443 web/site:8443 local=8443 via node 172.18.0.2:8443');
  });

  it('says once how many UDP/SCTP ports it leaves out, and ignores ExternalName Services', () => {
    const dns = serviceInfo({
      namespace: 'dns',
      name: 'coredns',
      ports: [
        { protocol: 'UDP', port: 53, nodePort: 30053 },
        { protocol: 'TCP', port: 53, nodePort: 30054 },
        { protocol: 'SCTP', port: 9, nodePort: 30009 },
      ],
    });
    const external = serviceInfo({ namespace: 'dns', name: 'upstream', type: 'ExternalName', ports: [] });
    const result = plan(clusterServices([dns, external]));
    expect(result.forwards.map((spec) => spec.id).slice(2)).toEqual(['my-app/service/dns/coredns:53']);
    expect(result.skipped).toEqual([
      { cluster: 'my-app', reason: '2 UDP/SCTP Service ports not forwarded (SSH forwards TCP only)' },
    ]);
  });

  it('forwards exactly as before issue 14 in services: mapped, catalog or not', () => {
    const mapped = plan(clusterServices(everything), { mode: 'mapped' });
    const before = planForwards([myApp()], { clusters: [], maps: new Map(), bindAddress: '127.0.0.1' });
    expect(mapped).toEqual(before);
  });

  it('ignores Services whose names or ports Kubernetes would not allow, and counts them', () => {
    const odd = serviceInfo({
      namespace: 'x/../y',
      name: 'a\nb',
      ports: [{ protocol: 'TCP', port: 3001, nodePort: 31001 }],
    });
    const big = serviceInfo({
      namespace: 'ok',
      name: 'big',
      ports: [{ protocol: 'TCP', port: 70000, nodePort: 31002 }],
    });
    const result = plan(clusterServices([odd, big, grafana]));
    expect(result.forwards.map((spec) => spec.id).at(-1)).toBe('my-app/service/monitoring/grafana:3000');
    expect(result.forwards).toHaveLength(3);
    expect(result.skipped).toEqual([
      { cluster: 'my-app', reason: '2 Service(s) with malformed names or ports ignored' },
    ]);
  });
});

describe('Service forwards in services: all', () => {
  it('adds ClusterIP Services through the pod port-forward', () => {
    const result = plan(clusterServices(everything), { mode: 'all' });
    expect(result.forwards.map(row).slice(2)).toEqual([
      'my-app/service/default/backend:9000 default/backend:9000 local=9000 via pod',
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=3000 via node 172.18.0.2:31742',
    ]);
    expect(result.forwards[2]).toMatchObject({
      remoteHost: '',
      remotePort: 9000,
      nodePort: 0,
      via: { kind: 'pod', namespace: 'default', service: 'backend', port: 9000 },
    });
  });

  it('reaches NodePort Services through pods when the node addresses are unreachable, with the same id', () => {
    const reachable = plan(clusterServices([grafana]), { mode: 'all' });
    const result = plan(
      clusterServices([grafana], {
        nodeReach: { reachable: false, reason: 'long story', cause: 'rootless docker?' },
      }),
      { mode: 'all' },
    );
    expect(result.forwards.map(row).at(-1)).toBe(
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=3000 via pod',
    );
    expect(result.forwards.at(-1)?.id).toBe(reachable.forwards.at(-1)?.id);
    expect(result.skipped).toEqual([
      {
        cluster: 'my-app',
        reason:
          '1 NodePort Service reached through the API instead: the dev server cannot reach the k3d node addresses (rootless docker?)',
      },
    ]);
  });

  it('skips Services without a selector in one line per cluster, naming at most 3', () => {
    const manual = (name: string) =>
      serviceInfo({
        namespace: 'default',
        name,
        type: 'ClusterIP',
        hasSelector: false,
        ports: [
          { protocol: 'TCP', port: 5432 },
          { protocol: 'TCP', port: 5433 },
        ],
      });
    const one = plan(clusterServices([manual('ext-db')]), { mode: 'all' });
    expect(one.forwards).toHaveLength(2);
    expect(one.skipped).toEqual([
      {
        cluster: 'my-app',
        reason: '1 Service without a selector not forwarded (no pods to reach): default/ext-db',
      },
    ]);
    const four = plan(clusterServices(['ext-db', 'ext-cache', 'ext-mq', 'ext-s3'].map(manual)), {
      mode: 'all',
    });
    expect(four.skipped).toEqual([
      {
        cluster: 'my-app',
        reason:
          '4 Services without a selector not forwarded (no pods to reach): ' +
          'default/ext-cache, default/ext-db, default/ext-mq, … (+1)',
      },
    ]);
  });
});

describe('which Services', () => {
  const ids = (selection: Partial<ServiceSelection>) =>
    plan(clusterServices(everything), { mode: 'all', ...selection })
      .forwards.slice(2)
      .map((spec) => spec.id);

  it('takes only the named namespaces; naming an excluded one includes it', () => {
    expect(ids({ namespaces: ['kube-system'] })).toEqual([
      'my-app/service/kube-system/traefik:80',
      'my-app/service/kube-system/traefik:443',
    ]);
    expect(ids({ excludeNamespaces: ['kube-system', 'monitoring'] })).toEqual([
      'my-app/service/default/backend:9000',
    ]);
  });

  it('takes only Services whose labels match the selector', () => {
    expect(ids({ selector: 'app in (grafana,backend),tier!=internal' })).toEqual([
      'my-app/service/monitoring/grafana:3000',
    ]);
    expect(ids({ selector: '!tier' })).toEqual(['my-app/service/monitoring/grafana:3000']);
  });
});

describe('local ports of Service forwards', () => {
  it('pins a Service by its own port with --map PORT:LOCAL, and does not call that --map unused', () => {
    const result = plan(
      clusterServices([grafana]),
      {},
      {
        maps: new Map([
          [3000, 13000],
          [4444, 14444],
        ]),
      },
    );
    expect(result.forwards.map(row).at(-1)).toBe(
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=13000 (pinned from 3000) via node 172.18.0.2:31742',
    );
    expect(result.unusedMaps).toEqual([4444]);
  });

  it('pins exactly with --map NAMESPACE/NAME:PORT:LOCAL, over a numeric --map', () => {
    const other = { ...grafana, namespace: 'staging' };
    const result = plan(
      clusterServices([grafana, other]),
      {
        pins: [['monitoring/grafana:3000', 3300]],
      },
      { maps: new Map([[3000, 13000]]) },
    );
    expect(result.forwards.slice(2).map(row)).toEqual([
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=3300 (pinned from 3000) via node 172.18.0.2:31742',
      'my-app/service/staging/grafana:3000 staging/grafana:3000 local=13000 (pinned from 3000) via node 172.18.0.2:31742',
    ]);
  });

  it('pins a mapped port by the name of the Service it reaches, as the table shows it', () => {
    const result = plan(clusterServices([appSvc]), { pins: [['my-namespace/my-app-svc:8080', 18080]] });
    expect(result.forwards.map(row)[1]).toBe(
      'my-app/service/127.0.0.1:8080 my-namespace/my-app-svc:8080 local=18080 (pinned from 8080) via host port 8080',
    );
  });

  it('settles a contested port by name: host-port forwards first, then Services by namespace and name', () => {
    const a = serviceInfo({
      namespace: 'alpha',
      name: 'web',
      ports: [{ protocol: 'TCP', port: 8080, nodePort: 31080 }],
    });
    const b = serviceInfo({
      namespace: 'beta',
      name: 'web',
      ports: [{ protocol: 'TCP', port: 3000, nodePort: 31081 }],
    });
    const result = plan(clusterServices([b, grafana, a]));
    expect(result.forwards.slice(1).map(row)).toEqual([
      'my-app/service/127.0.0.1:8080 local=8080 via host port 8080',
      'my-app/service/alpha/web:8080 alpha/web:8080 local=0 (conflict from 8080) via node 172.18.0.2:31080',
      'my-app/service/beta/web:3000 beta/web:3000 local=3000 via node 172.18.0.2:31081',
      'my-app/service/monitoring/grafana:3000 monitoring/grafana:3000 local=0 (conflict from 3000) via node 172.18.0.2:31742',
    ]);
  });
});

describe('what a misbehaving API sends', () => {
  it('plans a Service listed twice once, and ignores a port name Kubernetes would not allow', () => {
    const badName = serviceInfo({
      namespace: 'x',
      name: 'y',
      ports: [{ protocol: 'TCP', port: 4000, nodePort: 31400, name: 'a\u001b[31m' }],
    });
    const result = plan(clusterServices([grafana, grafana, badName]));
    expect(result.forwards.map((spec) => spec.id).slice(2)).toEqual([
      'my-app/service/monitoring/grafana:3000',
    ]);
    expect(result.skipped).toEqual([
      { cluster: 'my-app', reason: '1 Service(s) with malformed names or ports ignored' },
    ]);
  });

  it('forwards a Service whose port name is a legal DNS label longer than 15 characters', () => {
    const metrics = serviceInfo({
      namespace: 'monitoring',
      name: 'prometheus',
      ports: [{ protocol: 'TCP', port: 9090, nodePort: 31090, name: 'http-metrics-prometheus' }],
    });
    const result = plan(clusterServices([metrics]));
    expect(result.forwards.map((spec) => spec.id).at(-1)).toBe('my-app/service/monitoring/prometheus:9090');
    expect(result.skipped).toEqual([]);
  });

  it('forwards at most 200 Service ports per session and says how many more there are', () => {
    const many = Array.from({ length: 210 }, (_, i) =>
      serviceInfo({
        namespace: 'bulk',
        name: `svc-${String(i).padStart(3, '0')}`,
        ports: [{ protocol: 'TCP', port: 10000 + i, nodePort: 31000 + i }],
      }),
    );
    const result = plan(clusterServices(many));
    expect(result.forwards.filter((spec) => spec.via?.kind === 'node')).toHaveLength(200);
    expect(result.skipped).toEqual([
      {
        cluster: 'my-app',
        reason: expect.stringMatching(/^10 more Service ports not forwarded: at most 200 per session/),
      },
    ]);
    // The cap spans clusters (descriptors are per process): the second cluster, by name, gets what is left.
    const other = myApp({ name: 'other' });
    const both = planForwards([myApp(), other], {
      clusters: [],
      maps: new Map(),
      bindAddress: '127.0.0.1',
      services: defaultServiceSelection(),
      catalogs: new Map([
        ['my-app', clusterServices(many.slice(0, 150))],
        ['other', clusterServices(many.slice(150))],
      ]),
    });
    expect(both.forwards.filter((spec) => spec.via?.kind === 'node')).toHaveLength(200);
    expect(both.skipped).toEqual([
      { cluster: 'other', reason: expect.stringMatching(/^10 more Service ports not forwarded/) },
    ]);
  });
});
