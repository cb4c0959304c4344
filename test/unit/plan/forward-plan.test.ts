import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';
import { parsePortMap, parsePortMaps, planForwards } from '../../../src/plan/forward-plan.js';
import type { ForwardSpec, PlanOptions } from '../../../src/plan/types.js';
import { parseClusterList } from '../../../src/remote/k3d-parse.js';
import type { K3dCluster, PortMapping } from '../../../src/remote/types.js';
import { k3dCluster } from '../../builders.js';

const clustersFrom = (name: string) =>
  parseClusterList(readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8'));
const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  clusters: [],
  maps: new Map(),
  bindAddress: '127.0.0.1',
  ...overrides,
});
const brief = (spec: ForwardSpec) =>
  `${spec.id} local=${spec.localPort}${spec.remapped ? ` (${spec.remapped.reason} from ${spec.remapped.from})` : ''}`;

function mapping(hostIp: string, hostPort: number, containerPort = 30080): PortMapping {
  return {
    containerPort,
    protocol: 'tcp',
    hostIp,
    hostPort,
    nodeName: 'k3d-x-serverlb',
    nodeRole: 'loadbalancer',
    isApi: false,
  };
}

function cluster(name: string, ports: PortMapping[], overrides: Partial<K3dCluster> = {}): K3dCluster {
  return k3dCluster(name, { ports, ...overrides });
}

describe('planForwards', () => {
  it('forwards every running cluster: API first, then ports; stopped clusters are reported as skipped', () => {
    const plan = planForwards(clustersFrom('cluster-list.json'), options());
    expect(plan.forwards.map(brief)).toEqual([
      'my-app/api/127.0.0.1:16443 local=16443',
      'my-app/service/127.0.0.1:3000 local=3000',
      'my-app/service/127.0.0.1:8080 local=8080',
      'shop/api/127.0.0.1:6550 local=6550',
      'shop/service/127.0.0.1:8081 local=8081',
      'shop/service/127.0.0.1:9090 local=9090',
    ]);
    expect(plan.skipped).toEqual([{ cluster: 'legacy', reason: 'stopped (0/1 servers running)' }]);
    expect(plan.forwards[2]).toEqual({
      id: 'my-app/service/127.0.0.1:8080',
      cluster: 'my-app',
      kind: 'service',
      localAddress: '127.0.0.1',
      localPort: 8080,
      remoteHost: '127.0.0.1',
      remotePort: 8080,
      nodePort: 30080,
      remapped: undefined,
    });
  });

  it('connects to the bound address on the dev server, 127.0.0.1 for wildcard binds', () => {
    const ips = ['', '0.0.0.0', '::', '[::]', '127.0.0.1', '10.0.0.5'];
    const plan = planForwards(
      [
        cluster(
          'x',
          ips.map((ip, index) => mapping(ip, 9000 + index)),
        ),
      ],
      options(),
    );
    expect(plan.forwards.map((spec) => spec.remoteHost)).toEqual([
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '127.0.0.1',
      '10.0.0.5',
    ]);
  });

  it('plans only the named clusters', () => {
    const plan = planForwards(clustersFrom('cluster-list.json'), options({ clusters: ['shop'] }));
    expect(new Set(plan.forwards.map((spec) => spec.cluster))).toEqual(new Set(['shop']));
    expect(plan.skipped).toEqual([]);
  });

  it('names the available clusters when a named one does not exist', () => {
    const run = () => planForwards(clustersFrom('cluster-list.json'), options({ clusters: ['nope'] }));
    expect(run).toThrow(
      expect.objectContaining({
        code: 'CLUSTER_NOT_FOUND',
        message: 'There is no k3d cluster named "nope". Available: "legacy" (stopped), "my-app", "shop".',
        hint: 'Pick one of the clusters listed, or create it on the dev server: k3d cluster create nope',
      }),
    );
    expect(() => planForwards([], options({ clusters: ['nope'] }))).toThrow(
      /the dev server has no k3d clusters/,
    );
  });

  it('refuses a named cluster that is stopped, with the command to start it', () => {
    const run = () => planForwards(clustersFrom('cluster-list.json'), options({ clusters: ['legacy'] }));
    expect(run).toThrow(
      expect.objectContaining({
        code: 'BAD_INPUT',
        message: 'k3d cluster "legacy" is stopped (0/1 servers running).',
        hint: 'Start it on the dev server: k3d cluster start legacy',
      }),
    );
  });

  it('puts --map pins on their local port and reports pins nothing uses', () => {
    const maps = new Map([
      [8080, 18080],
      [4444, 14444],
    ]);
    const plan = planForwards(clustersFrom('cluster-list.json'), options({ maps, clusters: ['my-app'] }));
    expect(plan.forwards.map(brief)).toContain(
      'my-app/service/127.0.0.1:8080 local=18080 (pinned from 8080)',
    );
    expect(plan.unusedMaps).toEqual([4444]);
  });

  it('flags the second cluster wanting the same local port for a remap', () => {
    const clusters = [cluster('b', [mapping('', 8080)]), cluster('a', [mapping('', 8080)])];
    expect(planForwards(clusters, options()).forwards.map(brief)).toEqual([
      'a/service/127.0.0.1:8080 local=8080',
      'b/service/127.0.0.1:8080 local=0 (conflict from 8080)',
    ]);
  });

  it('lets a pin win its local port over a forward that merely wanted it', () => {
    const clusters = [cluster('a', [mapping('', 3000), mapping('', 8080)])];
    const plan = planForwards(clusters, options({ maps: new Map([[3000, 8080]]) }));
    expect(plan.forwards.map(brief)).toEqual([
      'a/service/127.0.0.1:3000 local=8080 (pinned from 3000)',
      'a/service/127.0.0.1:8080 local=0 (conflict from 8080)',
    ]);
  });

  it('is deterministic whatever order k3d lists clusters and ports in', () => {
    const clusters = clustersFrom('cluster-list.json');
    const reversed = [...clusters].reverse().map((c) => ({ ...c, ports: [...c.ports].reverse() }));
    expect(planForwards(reversed, options())).toEqual(planForwards(clusters, options()));
  });

  it('skips a running cluster that publishes nothing, saying so', () => {
    const plan = planForwards([cluster('bare', [])], options());
    expect(plan).toEqual({
      forwards: [],
      skipped: [{ cluster: 'bare', reason: 'publishes no TCP port on the dev server' }],
      unusedMaps: [],
    });
  });

  it('keeps hostile names as data and shows them escaped', () => {
    const clusters = clustersFrom('cluster-list-hostile.json');
    const plan = planForwards(clusters, options());
    expect(plan.forwards.map((spec) => spec.cluster)).toContain('x; touch /tmp/pwned');
    const run = () => planForwards(clusters, options({ clusters: ['missing\nname'] }));
    expect(run).toThrow(
      expect.objectContaining({ message: expect.stringContaining('"$(reboot)\\nINFO[0000] fake & <b>"') }),
    );
    expect(run).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('k3d cluster create <cluster>') }),
    );
  });
});

describe('parsePortMap', () => {
  it('reads REMOTE:LOCAL', () => {
    expect(parsePortMap('8080:18080')).toEqual([8080, 18080]);
    expect(parsePortMap(' 443:8443 ')).toEqual([443, 8443]);
  });

  it.each([
    ['8080', /--map "8080" has no ":"; expected REMOTE:LOCAL/],
    ['8080:', /the local port is missing/],
    [':8080', /the remote port is missing/],
    ['web:http', /the remote port "web" is not a number/],
    ['0:80', /the remote port 0 is outside 1-65535/],
    ['8080:70000', /the local port 70000 is outside 1-65535/],
    ['127.0.0.1:8080:80', /has 2 ":"/],
    ['', /has no ":"/],
  ])('rejects %j clearly', (spec, message) => {
    expect(() => parsePortMap(spec)).toThrow(UsageError);
    expect(() => parsePortMap(spec)).toThrow(message);
    expect(() => parsePortMap(spec)).toThrow(
      expect.objectContaining({ code: 'BAD_INPUT', hint: expect.stringContaining('--map 8080:18080') }),
    );
  });

  it('round-trips every valid pair and throws only UsageError on anything else', () => {
    const port = fc.integer({ min: 1, max: 65535 });
    fc.assert(
      fc.property(port, port, (remote, local) => {
        expect(parsePortMap(`${remote}:${local}`)).toEqual([remote, local]);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9:]{0,12}$/)), (spec) => {
        try {
          const [remote, local] = parsePortMap(spec);
          expect(remote).toBeGreaterThanOrEqual(1);
          expect(local).toBeLessThanOrEqual(65535);
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError);
        }
      }),
    );
  });
});

describe('parsePortMaps', () => {
  it('collects pins and rejects contradictions', () => {
    expect(parsePortMaps(['8080:18080', '3000:13000', '8080:18080'])).toEqual(
      new Map([
        [8080, 18080],
        [3000, 13000],
      ]),
    );
    expect(() => parsePortMaps(['8080:1', '8080:2'])).toThrow(/pins dev-server port 8080 twice/);
    expect(() => parsePortMaps(['8080:9000', '3000:9000'])).toThrow(
      /sends both 8080 and 3000 to local port 9000/,
    );
    expect(() => parsePortMaps(['nope'])).toThrow(TunnelError);
  });
});
