// The simulated cluster API's issue-14 parts, through a real sshd's `ssh -L` to the API port: watches of
// Services and Nodes (replay, live events after world changes, 410 for an RV from before an apiserver
// restart) and EndpointSlices (raw and through the real kubectl). Port-forward: sim-kube-portforward.test.ts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../devserver/client.js';
import {
  type ApiJson,
  getJson,
  openWatch,
  type SimKube,
  slicesOf,
  startSimKube,
  until,
} from './sim-kube-helpers.js';

/** A kubeconfig for the real kubectl: the forwarded API port and the admin certificate. */
function writeKubeconfig(sim: SimKube): string {
  const cluster = sim.dev.world.state().clusters[0]!;
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const file = path.join(sim.tmp, 'kubeconfig');
  const server = `https://127.0.0.1:${sim.port}`;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, 'certificate-authority-data': b64(cluster.certs.serverCa) } }],
    users: [
      {
        name: 'u',
        user: {
          'client-certificate-data': b64(cluster.certs.adminCert),
          'client-key-data': b64(cluster.certs.adminKey),
        },
      },
    ],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
  fs.writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('sim-kube-api: skipped, needs root (the dev server in its own network namespace)');

describe.skipIf(!isRoot)('the simulated Kubernetes API: watches and EndpointSlices', () => {
  let sim: SimKube;
  beforeAll(async () => {
    sim = await startSimKube();
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const listVersion = async (resource: string) =>
    (await getJson(sim.port, sim.tls, `/api/v1/${resource}`)).body.metadata.resourceVersion as string;
  it('replays Service events since an RV and streams ADDED/DELETED as Services come and go', async () => {
    const rv = await listVersion('services');
    const live = await openWatch(
      sim.port,
      sim.tls,
      `/api/v1/services?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json');
    expect(live.headers['transfer-encoding']).toBe('chunked');
    await sim.dev.world.addService('my-app', {
      namespace: 'shop',
      name: 'cart',
      type: 'NodePort',
      ports: [{ port: 7000 }],
    });
    const added = await live.next((e) => e.type === 'ADDED' && e.object.metadata.name === 'cart');
    expect(added.object).toMatchObject({ kind: 'Service', apiVersion: 'v1', spec: { type: 'NodePort' } });
    const nodePort = added.object.spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(added.object.spec.ports[0]).toMatchObject({ port: 7000, targetPort: 7000, protocol: 'TCP' });
    const namespaces = (await getJson(sim.port, sim.tls, '/api/v1/namespaces/shop')).body;
    expect(namespaces.status.phase).toBe('Active');

    const replay = await openWatch(sim.port, sim.tls, `/api/v1/services?watch=true&resourceVersion=${rv}`);
    const replayed = await replay.next((e) => e.object.metadata?.name === 'cart');
    expect(replayed.type).toBe('ADDED');

    await sim.dev.world.deleteService('my-app', 'shop', 'cart');
    for (const watch of [live, replay]) {
      const deleted = await watch.next((e) => e.type === 'DELETED' && e.object.metadata.name === 'cart');
      expect(Number(deleted.object.metadata.resourceVersion)).toBeGreaterThan(
        Number(added.object.metadata.resourceVersion),
      );
      watch.close();
    }
  });

  it('cuts watches when the cluster stops; after it starts, an older RV gets 410 Expired; timeoutSeconds', async () => {
    const rv = await listVersion('services');
    await sim.dev.world.addService('my-app', {
      namespace: 'default',
      name: 'old',
      type: 'ClusterIP',
      ports: [{ port: 81 }],
    });
    const cut = await openWatch(sim.port, sim.tls, `/api/v1/services?watch=1&resourceVersion=${rv}`);
    await cut.next((e) => e.object.metadata.name === 'old');
    await sim.dev.world.setRunning('my-app', false);
    await cut.ended; // the apiserver's container stopped: its connections die
    await sim.dev.world.setRunning('my-app', true);
    await sim.reopen();
    const watch = await openWatch(sim.port, sim.tls, `/api/v1/services?watch=1&resourceVersion=${rv}`);
    await watch.ended;
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 },
    });
    expect(watch.events[0]!.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);

    const current = await listVersion('services');
    const query = `watch=1&resourceVersion=${current}&timeoutSeconds=2&allowWatchBookmarks=true`;
    const fresh = await openWatch(sim.port, sim.tls, `/api/v1/services?${query}`);
    await fresh.ended;
    expect(fresh.events).toEqual([
      {
        type: 'BOOKMARK',
        object: { kind: 'Service', apiVersion: 'v1', metadata: { resourceVersion: current } },
      },
    ]);
  });

  it('ends a watch from an RV the cluster never reached with 504 Too large resource version', async () => {
    const ahead = Number(await listVersion('services')) + 1000;
    const watch = await openWatch(sim.port, sim.tls, `/api/v1/services?watch=1&resourceVersion=${ahead}`);
    await watch.ended;
    expect(watch.events).toMatchObject([{ type: 'ERROR', object: { code: 504, reason: 'Timeout' } }]);
    expect(watch.events[0]!.object.message).toMatch(
      new RegExp(`^Too large resource version: ${ahead}, current: \\d+$`),
    );
  });

  it("streams a Node's readiness as MODIFIED events", async () => {
    const watch = await openWatch(
      sim.port,
      sim.tls,
      `/api/v1/nodes?watch=1&resourceVersion=${await listVersion('nodes')}`,
    );
    await sim.dev.world.setNodeReady('my-app', 'agent-0', false);
    const event = await watch.next((e) => e.type === 'MODIFIED');
    expect(event.object.metadata.name).toBe('k3d-my-app-agent-0');
    const ready = event.object.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready.status).toBe('Unknown');
    watch.close();
    await sim.dev.world.setNodeReady('my-app', 'agent-0', true);
  });

  it('serves EndpointSlices for a Service, raw and to the real kubectl', async () => {
    const [slice] = await slicesOf(sim, 'default', 'backend');
    const pods = (await getJson(sim.port, sim.tls, '/api/v1/namespaces/default/pods')).body.items;
    const pod = pods.find((p: ApiJson) => p.metadata.name.startsWith('backend-'));
    expect(slice).toMatchObject({
      addressType: 'IPv4',
      metadata: { labels: { 'kubernetes.io/service-name': 'backend' } },
      ports: [{ name: '', port: 8080, protocol: 'TCP' }],
      endpoints: [
        {
          addresses: [pod.status.podIP],
          conditions: { ready: true, serving: true, terminating: false },
          targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: 'default', uid: pod.metadata.uid },
          nodeName: pod.spec.nodeName,
        },
      ],
    });
    const web = {
      namespace: 'named',
      name: 'web',
      type: 'ClusterIP' as const,
      ports: [{ name: 'http', port: 7070, targetPort: 'http' }],
    };
    await sim.dev.world.addService('my-app', web);
    const [named] = await slicesOf(sim, 'named', 'web');
    expect(named.ports).toEqual([{ name: 'http', port: 7070, protocol: 'TCP' }]);
    expect(named.endpoints[0].conditions.ready).toBe(true);
    const kubeconfig = writeKubeconfig(sim);
    const result = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'endpointslices',
      '-n',
      'default',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      new RegExp(
        `^${slice.metadata.name}\\s+IPv4\\s+8080\\s+${pod.status.podIP.replaceAll('.', '\\.')}\\s`,
        'm',
      ),
    );
  });

  it('shows a Service added while the real kubectl get --watch runs', async () => {
    const early = {
      namespace: 'watched',
      name: 'early',
      type: 'ClusterIP' as const,
      ports: [{ port: 4000 }],
    };
    await sim.dev.world.addService('my-app', early);
    const args = ['--kubeconfig', writeKubeconfig(sim), 'get', 'services', '-n', 'watched', '--watch'];
    const kubectl = spawn('kubectl', [...args, '--output-watch-events'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      kubectl.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      kubectl.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      // kubectl lists first (printed as ADDED), then watches from the list's resourceVersion.
      await until(
        () => /^ADDED\s+early\s/m.test(stdout),
        10_000,
        () => stderr,
      );
      const late = {
        namespace: 'watched',
        name: 'late',
        type: 'ClusterIP' as const,
        ports: [{ port: 5000 }],
      };
      await sim.dev.world.addService('my-app', late);
      await until(() => /^ADDED\s+late\s+ClusterIP\s+10\.43\.\S+\s+<none>\s+5000\/TCP\s/m.test(stdout));
    } finally {
      kubectl.kill();
    }
  });
});
