import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kubectlPatchCommand, planFixes } from '../../../src/kube/nodeport-fix.js';
import { joinNodePorts, type NodePortRow } from '../../../src/kube/nodeports.js';
import { type KubeService, parsePod, parseService } from '../../../src/kube/types.js';
import type { PortMapping } from '../../../src/remote/types.js';
import { k3dCluster } from '../../builders.js';

const list = JSON.parse(
  fs.readFileSync(new URL('../../fixtures/kube/service-list-k3s.json', import.meta.url), 'utf8'),
) as { items: unknown[] };
const k3sServices = list.items.map((item, index) => parseService(item, index));

function mapping(hostPort: number, containerPort: number, overrides: Partial<PortMapping> = {}): PortMapping {
  return {
    containerPort,
    protocol: 'tcp',
    hostIp: '',
    hostPort,
    nodeName: 'k3d-my-app-serverlb',
    nodeRole: 'loadbalancer',
    isApi: false,
    ...overrides,
  };
}

/** A Service item as the API returns it (list item: no kind/apiVersion). */
function service(
  name: string,
  ports: Record<string, unknown>[],
  options: { type?: string; namespace?: string; selector?: Record<string, string> } = {},
): KubeService {
  return parseService({
    metadata: { name, namespace: options.namespace ?? 'default', uid: `uid-${name}`, resourceVersion: '42' },
    spec: {
      ports,
      selector: options.selector ?? { app: name },
      clusterIP: '10.43.1.2',
      type: options.type ?? 'NodePort',
    },
    status: { loadBalancer: {} },
  });
}

const port = (portNumber: number, nodePort?: number, extra: Record<string, unknown> = {}) => ({
  protocol: 'TCP',
  port: portNumber,
  targetPort: portNumber,
  ...(nodePort ? { nodePort } : {}),
  ...extra,
});

const summary = (rows: NodePortRow[]) =>
  rows.map((row) => ({
    port: row.mapping ? `${row.mapping.hostPort}→${row.mapping.containerPort}` : `-→${row.service?.nodePort}`,
    service: row.service ? `${row.service.namespace}/${row.service.name}:${row.service.port}` : '-',
    state: row.state,
  }));

describe('joinNodePorts', () => {
  it("joins k3d's mappings with a k3s cluster's Services as the API lists them", () => {
    const cluster = k3dCluster('my-app', {
      ports: [mapping(3000, 30300), mapping(8080, 30080), mapping(8081, 80)],
    });
    expect(summary(joinNodePorts(cluster, k3sServices))).toEqual([
      { port: '3000→30300', service: 'default/frontend:3000', state: 'ok' },
      { port: '8080→30080', service: '-', state: 'no-service' },
      // traefik's port 80 is a host port on every node through k3s's ServiceLB: reached without its nodePort.
      { port: '8081→80', service: 'kube-system/traefik:80', state: 'ok' },
      { port: '-→31234', service: 'default/web:8080', state: 'unreached' },
      { port: '-→30826', service: 'kube-system/traefik:443', state: 'ignored' },
    ]);
  });

  it('explains a mapping outside the NodePort range that no LoadBalancer Service answers', () => {
    const rows = joinNodePorts(k3dCluster('my-app', { ports: [mapping(8081, 80)] }), []);
    expect(rows).toEqual([
      expect.objectContaining({
        state: 'no-service',
        reason: 'outside-range',
        note: expect.stringMatching(
          /outside the NodePort range 30000-32767.*LoadBalancer Service with port 80/,
        ),
      }),
    ]);
    expect(planFixes(rows, []).fixes).toEqual([]);
  });

  it('does not count a UDP NodePort as serving a TCP mapping, and ignores UDP it cannot carry', () => {
    const dns = service('dns', [port(53, 30053, { name: 'dns', protocol: 'UDP' })]);
    const syslog = service('syslog', [port(514, 31514, { name: 'syslog', protocol: 'UDP' })]);
    const rows = joinNodePorts(k3dCluster('my-app', { ports: [mapping(5353, 30053)] }), [dns, syslog]);
    expect(rows.map((row) => [row.state, row.reason, row.service?.name])).toEqual([
      ['no-service', 'other-protocol', 'dns'],
      ['ignored', 'udp', 'syslog'],
    ]);
    // 30053 is allocated to dns (over UDP): not free for another Service.
    expect(planFixes(rows, [dns, syslog]).fixes).toEqual([]);
  });

  it('says when a served Service has no ready pod, and why the pod is not running', () => {
    const frontend = service('frontend', [port(3000, 30300)]);
    const pod = parsePod({
      metadata: { name: 'frontend-5f7b9c6d8-h2m4k', namespace: 'default', labels: { app: 'frontend' } },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'frontend', ready: false, state: { waiting: { reason: 'ImagePullBackOff' } } },
        ],
      },
    });
    const cluster = k3dCluster('my-app', { ports: [mapping(3000, 30300)] });
    const [row] = joinNodePorts(cluster, [frontend], [pod]);
    expect(row).toMatchObject({
      state: 'no-pods',
      note: expect.stringContaining('Pending, ImagePullBackOff'),
    });
    // Without the pod list the Service counts as serving.
    expect(joinNodePorts(cluster, [frontend])[0]?.state).toBe('ok');
  });
});

describe('planFixes', () => {
  it('moves an unreached Service onto the free mapped NodePort with a merge patch carrying every field', () => {
    const cluster = k3dCluster('my-app', { ports: [mapping(3000, 30300), mapping(8080, 30080)] });
    const plan = planFixes(joinNodePorts(cluster, k3sServices), k3sServices);
    expect(plan.unplanned).toEqual([]);
    expect(plan.fixes).toHaveLength(1);
    const [fix] = plan.fixes;
    expect(fix).toMatchObject({
      namespace: 'default',
      name: 'web',
      contentType: 'application/merge-patch+json',
    });
    expect(fix?.changes).toEqual([
      { index: 0, port: 8080, portName: 'http', protocol: 'TCP', from: 31234, to: 30080, hostPorts: [8080] },
    ]);
    expect(fix?.patch).toEqual({
      metadata: { resourceVersion: '688' },
      spec: {
        ports: [
          {
            name: 'http',
            protocol: 'TCP',
            appProtocol: 'http',
            port: 8080,
            targetPort: 'http',
            nodePort: 30080,
          },
        ],
      },
    });
    expect(kubectlPatchCommand(fix!, 'k3d-my-app@devserver')).toBe(
      'kubectl --context k3d-my-app@devserver -n default patch service web --type merge -p ' +
        `'{"metadata":{"resourceVersion":"688"},"spec":{"ports":[{"name":"http","protocol":"TCP","appProtocol":"http","port":8080,"targetPort":"http","nodePort":30080}]}}'`,
    );
  });

  it('keeps the other ports of a multi-port Service (TCP and UDP on one number) as they are', () => {
    const dns = service('dns', [
      port(53, 31053, { name: 'dns', protocol: 'UDP' }),
      port(53, 31054, { name: 'dns-tcp' }),
      port(9153, 30153, { name: 'metrics' }),
    ]);
    const cluster = k3dCluster('my-app', { ports: [mapping(9153, 30153), mapping(5353, 30053)] });
    const [fix] = planFixes(joinNodePorts(cluster, [dns]), [dns]).fixes;
    expect(fix?.changes.map((change) => [change.index, change.from, change.to])).toEqual([[1, 31054, 30053]]);
    expect(fix?.patch.spec.ports.map((entry) => [entry.name, entry.protocol, entry.nodePort])).toEqual([
      ['dns', 'UDP', 31053],
      ['dns-tcp', 'TCP', 30053],
      ['metrics', 'TCP', 30153],
    ]);
  });

  it('does not guess between two unreached Services for one free NodePort: it explains, with the choices', () => {
    const a = service('api', [port(9000, 31001)]);
    const b = service('web', [port(8000, 31002)]);
    const cluster = k3dCluster('my-app', { ports: [mapping(8080, 30080)] });
    const plan = planFixes(joinNodePorts(cluster, [a, b]), [a, b]);
    expect(plan.fixes).toEqual([]);
    expect(plan.unplanned.map((entry) => [entry.service.name, entry.reason])).toEqual([
      ['api', 'shortage'],
      ['web', 'shortage'],
    ]);
    expect(plan.unplanned[0]?.explanation).toMatch(
      /2 Service ports are not reached \(default\/api:9000, default\/web:8000\) but only 1 mapped NodePort is free \(30080\): tunnel does not guess/,
    );
    expect(plan.unplanned[0]?.choice?.changes[0]).toMatchObject({ from: 31001, to: 30080 });
  });

  it('does not split a multi-port Service over too few free NodePorts either', () => {
    const web = service('web', [port(80, 31080, { name: 'http' }), port(443, 31443, { name: 'https' })]);
    const cluster = k3dCluster('my-app', { ports: [mapping(9000, 30090)] });
    const plan = planFixes(joinNodePorts(cluster, [web]), [web]);
    expect(plan.fixes).toEqual([]);
    expect(plan.unplanned.map((entry) => entry.service.port)).toEqual([80, 443]);
  });

  it('pairs a Service with the mapping whose host port is its port, then the rest in order', () => {
    const api = service('api', [port(9090, 31001)]);
    const web = service('web', [port(8080, 31002)]);
    const worker = service('worker', [port(7000, 31003)]);
    const cluster = k3dCluster('my-app', {
      ports: [mapping(3000, 30300), mapping(8080, 30080), mapping(9090, 30090)],
    });
    const services = [worker, web, api];
    const plan = planFixes(joinNodePorts(cluster, services), services);
    const moves = plan.fixes.map((fix) => `${fix.name}→${fix.changes[0]?.to}`);
    expect(moves.sort()).toEqual(['api→30090', 'web→30080', 'worker→30300']);
    // Deterministic: the same cluster listed in another order plans the same.
    const again = planFixes(joinNodePorts(cluster, [api, worker, web]), [api, worker, web]);
    expect(again.fixes.map((fix) => `${fix.name}→${fix.changes[0]?.to}`).sort()).toEqual(moves.sort());
  });

  it('says how to add a mapping when no mapped NodePort is free', () => {
    const web = service('web', [port(8080, 31234)]);
    const plan = planFixes(joinNodePorts(k3dCluster('my-app', { ports: [] }), [web]), [web]);
    expect(plan.unplanned).toEqual([
      expect.objectContaining({
        reason: 'no-free-port',
        choice: undefined,
        explanation: expect.stringContaining('no mapped NodePort is free'),
        mapCommand: 'k3d cluster edit my-app --port-add <host port>:31234@server:0',
      }),
    ]);
  });
});
