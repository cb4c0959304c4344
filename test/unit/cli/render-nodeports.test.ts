import { describe, expect, it } from 'vitest';
import { nodePortsJson } from '../../../src/cli/nodeports-json.js';
import { renderNodePorts } from '../../../src/cli/render-nodeports.js';
import type { ClusterNodePorts } from '../../../src/kube/nodeport-check.js';
import { planFixes } from '../../../src/kube/nodeport-fix.js';
import { joinNodePorts } from '../../../src/kube/nodeports.js';
import { parseService } from '../../../src/kube/types.js';
import { type NodePortsReport, nodePortsOk } from '../../../src/nodeports/types.js';
import { k3dCluster } from '../../builders.js';

const web = parseService({
  metadata: { name: 'web', namespace: 'default', resourceVersion: '7' },
  spec: {
    type: 'NodePort',
    selector: { app: 'web' },
    ports: [{ protocol: 'TCP', port: 8080, targetPort: 8080, nodePort: 31234 }],
  },
});
const cluster = k3dCluster('my-app', {
  ports: [
    {
      containerPort: 30080,
      protocol: 'tcp',
      hostIp: '',
      hostPort: 8080,
      nodeName: 'k3d-my-app-serverlb',
      nodeRole: 'loadbalancer',
      isApi: false,
    },
  ],
});

function report(mode: NodePortsReport['mode'], result: Partial<ClusterNodePorts> = {}): NodePortsReport {
  const rows = joinNodePorts(cluster, [web]);
  const plan = planFixes(rows, [web]);
  return {
    host: 'devserver',
    mode,
    args: 'devserver',
    clusters: [
      {
        cluster: 'my-app',
        context: 'k3d-my-app@devserver',
        result: { cluster: 'my-app', rows, plan, results: [], healthy: false, ...result },
        error: undefined,
      },
    ],
    skipped: [{ cluster: 'old', reason: 'stopped (0/1 servers running)' }],
  };
}

describe('renderNodePorts', () => {
  it('shows each mapping and Service with its state, the planned fix and how to apply it', () => {
    const text = renderNodePorts(report('check'), { color: false });
    expect(text).toMatch(/^CLUSTER\s+HOST PORT→NODEPORT\s+SERVICE\s+STATE\s+NOTE\n/);
    expect(text).toMatch(
      /my-app\s+8080→30080\s+-\s+no service\s+no Service has nodePort 30080.*planned: default\/web:8080 moves here/,
    );
    expect(text).toMatch(
      /my-app\s+-→31234\s+default\/web:8080\s+unreached\s+nodePort 31234 is not mapped by k3d; planned: nodePort → 30080 \(host port 8080\)/,
    );
    expect(text).toContain(
      'my-app: --fix would patch default/web port 8080 nodePort 31234 → 30080 (host port 8080)',
    );
    expect(text).toContain('apply: tunnel nodeports devserver --fix');
    expect(text).toContain('skipped old: stopped (0/1 servers running)');
    expect(text.split('\n').at(-1)).toBe(
      'not ok: 1 mapped port(s) reach no Service, 1 Service port(s) no mapping reaches',
    );
  });

  it('prints the patch of a dry run as a kubectl command and as the JSON body', () => {
    const base = report('dry-run');
    const fix = base.clusters[0]!.result!.plan.fixes[0]!;
    const text = renderNodePorts(
      report('dry-run', { results: [{ fix, accepted: true, confirmed: false, error: undefined }] }),
      { color: false },
    );
    expect(text).toContain(
      'my-app: would patch default/web (the API server accepts it, server-side dry run)',
    );
    expect(text).toContain(
      `  kubectl --context k3d-my-app@devserver -n default patch service web --type merge -p '{"metadata":{"resourceVersion":"7"},"spec":{"ports":[{"protocol":"TCP","port":8080,"targetPort":8080,"nodePort":30080}]}}'`,
    );
    expect(text).toContain('  body (application/merge-patch+json): {"metadata":{"resourceVersion":"7"}');
    expect(text).toMatch(/\(nothing was changed: --dry-run\)$/);
  });

  it('escapes names from the dev server', () => {
    const hostile = report('check');
    hostile.clusters[0]!.cluster = 'evil\x1b[2J';
    expect(renderNodePorts(hostile, { color: false })).toContain('evil\\x1b[2J');
  });

  it('says ok only when every cluster is healthy', () => {
    expect(nodePortsOk(report('check'))).toBe(false);
    expect(nodePortsOk(report('check', { healthy: true }))).toBe(true);
  });
});

describe('nodePortsJson', () => {
  it('uses null for what is absent and carries the kubectl command of each fix', () => {
    const json = nodePortsJson(report('check')) as {
      ok: boolean;
      clusters: {
        rows: { service: unknown; mapping: unknown }[];
        fixes: { kubectl: string; result: unknown }[];
      }[];
    };
    expect(json.ok).toBe(false);
    expect(json.clusters[0]?.rows[0]?.service).toBeNull();
    expect(json.clusters[0]?.rows[1]?.mapping).toBeNull();
    expect(json.clusters[0]?.fixes[0]?.kubectl).toMatch(
      /^kubectl --context k3d-my-app@devserver -n default patch service web/,
    );
    expect(json.clusters[0]?.fixes[0]?.result).toBeNull();
  });
});
