// The simulated cluster API's issue-14 parts, through a real sshd's `ssh -L` to the API port: watches of
// Services and Nodes (replay, live events after world changes, 410 for an RV from before an apiserver
// restart), EndpointSlices (raw and through the real kubectl) and the pod port-forward WebSocket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient, run } from '../devserver/client.js';
import { type DevServer, type Scenario, startDevServer } from '../devserver/index.js';
import { getJson, openPortForward, openWatch, type Tls, tlsOf, until } from './sim-kube-helpers.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('sim-kube-api: skipped, needs root (the dev server in its own network namespace)');

const scenario: Scenario = {
  clusters: [
    {
      name: 'my-app',
      servers: 1,
      agents: 1,
      apiPort: 16443,
      ports: [{ hostPort: 8080, containerPort: 30080, nodeFilter: 'server:0' }],
      services: [
        { namespace: 'my-namespace', name: 'my-app-svc', type: 'NodePort', port: 8080, nodePort: 30080 },
        { namespace: 'monitoring', name: 'grafana', type: 'NodePort', port: 3000, nodePort: 31742 },
        { namespace: 'default', name: 'backend', type: 'ClusterIP', port: 9000, targetPort: 8080 },
      ],
    },
  ],
};

describe.skipIf(!isRoot)('the simulated Kubernetes API: watch, EndpointSlices, port-forward', () => {
  let dev: DevServer;
  let client: DevServerClient;
  let port: number;
  let tls: Tls;
  let tmp: string;

  beforeAll(async () => {
    dev = await startDevServer({ scenario });
    client = devServerClient(dev);
    port = await client.forward(16443);
    tls = tlsOf(dev.world.state().clusters[0]!);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-sim-kube-'));
  });

  afterAll(async () => {
    client?.closeAll();
    await dev?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const listVersion = async (resource: string) =>
    (await getJson(port, tls, `/api/v1/${resource}`)).body.metadata.resourceVersion as string;
  const sliceOf = async (namespace: string, name: string) => {
    const selector = encodeURIComponent(`kubernetes.io/service-name=${name}`);
    const path = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices?labelSelector=${selector}`;
    return (await getJson(port, tls, path)).body.items;
  };

  it('replays Service events since an RV and streams ADDED/DELETED as Services come and go', async () => {
    const rv = await listVersion('services');
    const live = await openWatch(
      port,
      tls,
      `/api/v1/services?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`,
    );
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json');
    expect(live.headers['transfer-encoding']).toBe('chunked');
    await dev.world.addService('my-app', {
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
    const namespaces = (await getJson(port, tls, '/api/v1/namespaces/shop')).body;
    expect(namespaces.status.phase).toBe('Active');

    const replay = await openWatch(port, tls, `/api/v1/services?watch=true&resourceVersion=${rv}`);
    const replayed = await replay.next((e) => e.object.metadata?.name === 'cart');
    expect(replayed.type).toBe('ADDED');

    await dev.world.deleteService('my-app', 'shop', 'cart');
    for (const watch of [live, replay]) {
      const deleted = await watch.next((e) => e.type === 'DELETED' && e.object.metadata.name === 'cart');
      expect(Number(deleted.object.metadata.resourceVersion)).toBeGreaterThan(
        Number(added.object.metadata.resourceVersion),
      );
      watch.close();
    }
  });

  it('ends a watch from before an apiserver restart with 410 Expired, and honours timeoutSeconds', async () => {
    const rv = await listVersion('services');
    await dev.world.addService('my-app', {
      namespace: 'default',
      name: 'old',
      type: 'ClusterIP',
      ports: [{ port: 81 }],
    });
    await dev.world.setRunning('my-app', false);
    await dev.world.setRunning('my-app', true);
    client.closeAll();
    port = await client.forward(16443);
    const watch = await openWatch(port, tls, `/api/v1/services?watch=1&resourceVersion=${rv}`);
    await watch.ended;
    expect(watch.events).toHaveLength(1);
    expect(watch.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 },
    });
    expect(watch.events[0]!.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);

    const fresh = await openWatch(
      port,
      tls,
      `/api/v1/services?watch=1&resourceVersion=${await listVersion('services')}&timeoutSeconds=1`,
    );
    await fresh.ended;
    expect(fresh.events).toEqual([]);
  });

  it("streams a Node's readiness as MODIFIED events", async () => {
    const watch = await openWatch(
      port,
      tls,
      `/api/v1/nodes?watch=1&resourceVersion=${await listVersion('nodes')}`,
    );
    await dev.world.setNodeReady('my-app', 'agent-0', false);
    const event = await watch.next((e) => e.type === 'MODIFIED');
    expect(event.object.metadata.name).toBe('k3d-my-app-agent-0');
    const ready = event.object.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready.status).toBe('Unknown');
    watch.close();
    await dev.world.setNodeReady('my-app', 'agent-0', true);
  });

  it('serves EndpointSlices for a Service, raw and to the real kubectl', async () => {
    const [slice] = await sliceOf('default', 'backend');
    const pods = (await getJson(port, tls, '/api/v1/namespaces/default/pods')).body.items;
    const pod = pods.find((p: any) => p.metadata.name.startsWith('backend-'));
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
    const kubeconfig = path.join(tmp, 'kubeconfig');
    const cluster = dev.world.state().clusters[0]!;
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    fs.writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: {
              server: `https://127.0.0.1:${port}`,
              'certificate-authority-data': b64(cluster.certs.serverCa),
            },
          },
        ],
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
      }),
      { mode: 0o600 },
    );
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

  it("port-forwards to a pod's app over WebSocket: hello, refused port, missing pod, no certificate", async () => {
    const [slice] = await sliceOf('default', 'backend');
    const pod = slice.endpoints[0].targetRef.name as string;
    const forward = await openPortForward(
      port,
      tls,
      `/api/v1/namespaces/default/pods/${pod}/portforward?ports=8080`,
    );
    expect(forward.protocol).toBe('v4.channel.k8s.io');
    forward.send('GET / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n');
    expect(await forward.closed).toBe(1000);
    expect(forward.messages.slice(0, 2).map(([c, p]) => [c, p.readUInt16LE()])).toEqual([
      [0, 8080],
      [1, 8080],
    ]);
    expect(forward.data()).toMatch(new RegExp(`\\r\\n\\r\\nhello from my-app pod ${pod} port 8080\\n$`));

    const refused = await openPortForward(
      port,
      tls,
      `/api/v1/namespaces/default/pods/${pod}/portforward?ports=9999`,
    );
    await refused.closed;
    expect(refused.error()).toMatch(
      /^error forwarding port 9999 to pod [0-9a-f]{64}, uid : .*connection refused/,
    );

    const missing = openPortForward(port, tls, '/api/v1/namespaces/default/pods/nope/portforward?ports=8080');
    await expect(missing).rejects.toMatchObject({ status: 404 });
    const body = await missing.catch((error: { body: string }) => JSON.parse(error.body));
    expect(body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'pods "nope" not found',
      code: 404,
    });
    const anonymous = openPortForward(
      port,
      tlsOf(dev.world.state().clusters[0]!, false),
      `/api/v1/namespaces/default/pods/${pod}/portforward?ports=8080`,
    );
    await expect(anonymous).rejects.toMatchObject({ status: 401 });
  });

  it('closes a port-forward when its pod is replaced; the slice then names the new pod', async () => {
    const [before] = await sliceOf('default', 'backend');
    const pod = before.endpoints[0].targetRef.name as string;
    const forward = await openPortForward(
      port,
      tls,
      `/api/v1/namespaces/default/pods/${pod}/portforward?ports=8080`,
    );
    forward.send('GET / HTTP/1.1\r\nHost: backend\r\n\r\n');
    await until(() => forward.data().includes('hello from my-app pod'));
    await dev.world.replacePods('my-app', 'default', 'backend');
    await forward.closed;
    const [after] = await sliceOf('default', 'backend');
    expect(after.endpoints).toHaveLength(1);
    expect(after.endpoints[0].targetRef.name).not.toBe(pod);
    expect(after.endpoints[0].targetRef.name).toMatch(/^backend-/);
  });
});
