import { describe, expect, it } from 'vitest';
import { defaultServiceSelection } from '../../../src/config/resolve.js';
import type { LocalPortCheck } from '../../../src/local/port-check.js';
import { fallbackCandidates } from '../../../src/plan/service-ports.js';
import type { ServiceSelection } from '../../../src/plan/types.js';
import type { K3dCluster } from '../../../src/remote/types.js';
import { planSession } from '../../../src/session/session-plan.js';
import { apiPort, clusterServices, k3dCluster, serviceInfo } from '../../builders.js';

const myApp: K3dCluster = k3dCluster('my-app', {
  api: apiPort(),
  ports: [{ ...apiPort(), containerPort: 30080, hostPort: 8080, isApi: false }],
  nodes: [{ name: 'k3d-my-app-server-0', role: 'server', address: '172.18.0.2', running: true }],
});
const grafana = serviceInfo({
  namespace: 'monitoring',
  name: 'grafana',
  ports: [{ protocol: 'TCP', port: 3000, nodePort: 31742 }],
});
const GRAFANA = 'my-app/service/monitoring/grafana:3000';

/** This machine's ports: `busy` are held by nobody visible; the picker must not be needed for Services. */
function ports(busy: number[]): LocalPortCheck {
  return {
    isFree: async (_address, port) => !busy.includes(port),
    pick: async () => 45678,
    owner: async () => undefined,
    unchecked: async () => undefined,
  };
}

function run(input: {
  busy?: number[];
  maps?: Map<number, number>;
  services?: Partial<ServiceSelection>;
  catalogs?: boolean;
  preferredPorts?: Map<string, number>;
  lenient?: boolean;
}) {
  return planSession({
    clusters: [myApp],
    options: {
      clusters: [],
      maps: input.maps ?? new Map(),
      bindAddress: '127.0.0.1',
      services: { ...defaultServiceSelection(), ...input.services },
    },
    catalogs: input.catalogs === false ? undefined : new Map([['my-app', clusterServices([grafana])]]),
    lenient: input.lenient ?? false,
    live: [],
    preferredPorts: input.preferredPorts ?? new Map(),
    devServerIsLocal: false,
    localPorts: ports(input.busy ?? []),
  });
}

describe('planSession with Service catalogs', () => {
  it('fails the first plan on a busy Service pin, but once forwarding plans the rest and says why', async () => {
    const pinned = {
      busy: [3000],
      services: { pins: [['monitoring/grafana:3000', 3000]] as [string, number][] },
    };
    await expect(run(pinned)).rejects.toMatchObject({ code: 'PORT' });
    const later = await run({ ...pinned, lenient: true });
    expect(later.forwards.map((spec) => spec.id)).toEqual([
      'my-app/api/127.0.0.1:16443',
      'my-app/service/127.0.0.1:8080',
    ]);
    expect(later.skipped).toContainEqual({
      cluster: 'my-app',
      reason:
        'Local port 3000 (pinned with --map monitoring/grafana:3000:3000) is already in use on 127.0.0.1.',
    });
  });

  it('plans the Services the catalogs name, each on its own port when free', async () => {
    const plan = await run({});
    expect(plan.forwards.map((spec) => [spec.id, spec.localPort])).toEqual([
      ['my-app/api/127.0.0.1:16443', 16443],
      ['my-app/service/127.0.0.1:8080', 8080],
      [GRAFANA, 3000],
    ]);
  });

  it('plans mapped ports only when the caller reads no API (no catalogs)', async () => {
    const plan = await run({ catalogs: false });
    expect(plan.forwards.map((spec) => spec.id)).not.toContain(GRAFANA);
    expect(plan.skipped).toEqual([]);
  });

  it("moves a Service whose port is busy to its hashed port, not the picker's", async () => {
    const plan = await run({ busy: [3000] });
    expect(plan.forwards.at(-1)).toMatchObject({
      localPort: fallbackCandidates(GRAFANA)[0],
      remapped: { from: 3000, reason: 'busy' },
    });
  });

  it('keeps the port an earlier run used (agent restart) over the hashed one', async () => {
    const plan = await run({ busy: [3000], preferredPorts: new Map([[GRAFANA, 23456]]) });
    expect(plan.forwards.at(-1)).toMatchObject({
      localPort: 23456,
      remapped: { from: 3000, reason: 'busy' },
    });
  });

  it('does not report a numeric --map that pinned a Service port as unused', async () => {
    const plan = await run({
      maps: new Map([
        [3000, 13000],
        [5000, 15000],
      ]),
    });
    expect(plan.forwards.at(-1)).toMatchObject({
      localPort: 13000,
      remapped: { from: 3000, reason: 'pinned' },
    });
    expect(plan.unusedMaps).toEqual([5000]);
  });

  it('keeps a --map pin over the port an earlier run used', async () => {
    const plan = await run({
      services: { pins: [['monitoring/grafana:3000', 3000]] },
      preferredPorts: new Map([[GRAFANA, 23456]]),
    });
    expect(plan.forwards.at(-1)).toMatchObject({ localPort: 3000, remapped: undefined });
  });

  it('says a port below 1024 our own running forward holds is claimed by another forward, not privileged', async () => {
    const web = serviceInfo({
      namespace: 'web',
      name: 'site',
      ports: [{ protocol: 'TCP', port: 80, nodePort: 30800 }],
    });
    const first = await planSession({
      clusters: [myApp],
      options: {
        clusters: [],
        maps: new Map(),
        bindAddress: '127.0.0.1',
        services: defaultServiceSelection(),
      },
      catalogs: new Map([['my-app', clusterServices([web])]]),
      lenient: false,
      live: [],
      preferredPorts: new Map(),
      devServerIsLocal: false,
      localPorts: ports([]),
    });
    // The same Service in another namespace appears while web/site listens on 80.
    const other = { ...web, namespace: 'alpha' };
    const next = await planSession({
      clusters: [myApp],
      options: {
        clusters: [],
        maps: new Map(),
        bindAddress: '127.0.0.1',
        services: defaultServiceSelection(),
      },
      catalogs: new Map([['my-app', clusterServices([web, other])]]),
      lenient: true,
      live: first.forwards,
      preferredPorts: new Map(),
      devServerIsLocal: false,
      localPorts: ports([80]),
    });
    expect(next.forwards.find((spec) => spec.id === 'my-app/service/web/site:80')?.localPort).toBe(80);
    expect(next.forwards.find((spec) => spec.id === 'my-app/service/alpha/site:80')?.remapped).toEqual({
      from: 80,
      reason: 'conflict',
    });
  });
});
