import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import type { KubeApi, PatchOptions } from '../../../src/kube/api.js';
import { checkNodePorts } from '../../../src/kube/nodeport-check.js';
import { type KubeService, parseService } from '../../../src/kube/types.js';
import type { PortMapping } from '../../../src/remote/types.js';
import { k3dCluster } from '../../builders.js';

const mapping = (hostPort: number, containerPort: number): PortMapping => ({
  containerPort,
  protocol: 'tcp',
  hostIp: '',
  hostPort,
  nodeName: 'k3d-my-app-serverlb',
  nodeRole: 'loadbalancer',
  isApi: false,
});

const web = (nodePort: number, resourceVersion = '7') =>
  parseService({
    metadata: { name: 'web', namespace: 'default', resourceVersion },
    spec: { type: 'NodePort', ports: [{ protocol: 'TCP', port: 8080, targetPort: 8080, nodePort }] },
  });

/** An API that stores merge patches of spec.ports like the real one (the list replaced), or fails them. */
function fakeApi(initial: KubeService[], failWith?: TunnelError) {
  let services = initial;
  const patches: { name: string; patch: object; options: PatchOptions | undefined }[] = [];
  const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
  const api: KubeApi = {
    context,
    // The check never streams: a channel that is asked for is a bug.
    channel: {
      open: () => Promise.reject(new Error('the NodePort check opened a channel')),
      credentials: { ca: '', cert: '', key: '' },
      context,
    },
    version: async () => ({ gitVersion: 'v1.31.5+k3s1', platform: 'linux/amd64' }),
    listServices: async () => services,
    listServicesAt: async () => ({
      items: services,
      resourceVersion: '1',
      rejected: 0,
      firstProblem: undefined,
    }),
    listNodes: async () => ({ items: [], resourceVersion: '1', rejected: 0, firstProblem: undefined }),
    listPods: async () => [],
    getJson: () => Promise.reject(new Error('the NodePort check read a raw path')),
    patchService: async (namespace, name, patch, options) => {
      patches.push({ name, patch, options });
      if (failWith) throw failWith;
      const ports = (patch as { spec: { ports: Record<string, unknown>[] } }).spec.ports;
      const patched = parseService({
        metadata: { name, namespace, resourceVersion: '8' },
        spec: { type: 'NodePort', ports },
      });
      if (!options?.dryRun) services = services.map((s) => (s.name === name ? patched : s));
      return patched;
    },
  };
  return { api, patches };
}

const cluster = k3dCluster('my-app', { ports: [mapping(8080, 30080)] });

describe('checkNodePorts', () => {
  it('only reads in check mode', async () => {
    const { api, patches } = fakeApi([web(31234)]);
    const result = await checkNodePorts(api, cluster, 'check');
    expect(patches).toEqual([]);
    expect(result.healthy).toBe(false);
    expect(result.plan.fixes).toHaveLength(1);
  });

  it('asks the API server for a dry run and changes nothing', async () => {
    const { api, patches } = fakeApi([web(31234)]);
    const result = await checkNodePorts(api, cluster, 'dry-run');
    expect(patches.map((entry) => entry.options)).toEqual([{ dryRun: true }]);
    expect(result.results[0]).toMatchObject({ accepted: true, confirmed: false });
    expect(result.rows.map((row) => row.state)).toEqual(['no-service', 'unreached']);
    expect(result.healthy).toBe(false);
  });

  it('patches, reads again, and reports the row fixed and confirmed', async () => {
    const { api, patches } = fakeApi([web(31234)]);
    const result = await checkNodePorts(api, cluster, 'fix');
    expect(patches.map((entry) => entry.options)).toEqual([{ dryRun: false }]);
    expect(result.rows).toEqual([
      expect.objectContaining({ state: 'fixed', note: 'nodePort 31234 → 30080 (patched)' }),
    ]);
    expect(result.results[0]).toMatchObject({ accepted: true, confirmed: true, error: undefined });
    expect(result.healthy).toBe(true);
  });

  it("keeps the API's refusal with its hint, and stays unhealthy", async () => {
    const refusal = new TunnelError(
      'KUBE_API',
      'rejected (422 Invalid): provided port is already allocated',
      {
        hint: 'run again',
      },
    );
    const { api } = fakeApi([web(31234)], refusal);
    const result = await checkNodePorts(api, cluster, 'fix');
    expect(result.results[0]).toMatchObject({
      accepted: false,
      error: { message: refusal.message, hint: 'run again' },
    });
    expect(result.rows.map((row) => row.state)).toEqual(['no-service', 'unreached']);
    expect(result.healthy).toBe(false);
  });

  it('is healthy when every mapping is served and nothing is unreached', async () => {
    const { api } = fakeApi([web(30080)]);
    expect((await checkNodePorts(api, cluster, 'fix')).healthy).toBe(true);
  });
});
