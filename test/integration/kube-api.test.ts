// src/kube/api.ts against the simulated clusters' HTTPS API, reached through a real OpenSSH sshd with
// forwardOut: TLS verified with k3d's certificates, requests, and each failure mapped to what a user reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDevServer } from '../../src/devserver/dev-server.js';
import { TunnelError } from '../../src/errors.js';
import { createKubeApi, type KubeApi, type KubeCredentials } from '../../src/kube/api.js';
import { apiAddress, credentialsFromEntries, openClusterApi } from '../../src/kube/cluster-api.js';
import { defaultNames, rewriteKubeconfig } from '../../src/kubeconfig/rewrite.js';
import { getKubeconfig } from '../../src/remote/k3d.js';
import type { K3dCluster, K3dInfo } from '../../src/remote/types.js';
import type { SshConnection } from '../../src/ssh/types.js';
import { type DevServer, startDevServer } from '../devserver/index.js';

let devserver: DevServer;
let connection: SshConnection;
let k3d: K3dInfo;
let clusters: K3dCluster[];

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
  const options = { alias: 'devserver', sshConfigFile: devserver.sshConfigFile, acceptNewHostKey: false };
  const dev = await openDevServer(options, {}, () => {});
  connection = dev.ssh;
  k3d = await dev.k3d();
  clusters = await dev.clusters();
});

afterAll(async () => {
  connection?.close();
  await devserver?.stop();
});

const named = (name: string) => clusters.find((cluster) => cluster.name === name)!;

async function credentialsOf(name: string): Promise<KubeCredentials> {
  const raw = await getKubeconfig(connection, k3d, name);
  const entries = rewriteKubeconfig(raw, {
    server: 'https://127.0.0.1:1',
    names: defaultNames(name, 'devserver'),
  });
  return credentialsFromEntries(entries, name);
}

/** The API of cluster `at`, asked with (some of) the certificates of cluster `from`. */
async function mixedApi(at: string, credentials: KubeCredentials, timeoutMs?: number): Promise<KubeApi> {
  return createKubeApi({ connection, address: apiAddress(named(at))!, credentials, cluster: at, timeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<TunnelError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TunnelError);
  return error as TunnelError;
}

describe('the Kubernetes API through the SSH connection', () => {
  it("answers /version and lists Services, verified against k3d's CA", async () => {
    const api = await openClusterApi({ connection, k3d, cluster: named('my-app') });
    expect((await api.version()).gitVersion).toBe('v1.31.5+k3s1');
    const services = await api.listServices();
    const web = services.find((service) => service.name === 'web');
    expect(web).toMatchObject({ namespace: 'default', type: 'NodePort' });
    expect(web?.ports.map((port) => port.nodePort)).toEqual([30080]);
    expect(
      services.some((service) => service.namespace === 'kube-system' && service.name === 'traefik'),
    ).toBe(true);
    expect((await api.listPods()).some((pod) => pod.name.startsWith('web-') && pod.ready)).toBe(true);
  });

  it("passes on the API server's 422 for a NodePort that is already allocated", async () => {
    const api = await openClusterApi({ connection, k3d, cluster: named('my-app') });
    const web = (await api.listServices()).find((service) => service.name === 'web')!;
    const patch = { spec: { ports: [{ ...web.ports[0]!.raw, nodePort: 30300 }] } };
    const error = await failure(api.patchService('default', 'web', patch, { dryRun: true }));
    expect(error.code).toBe('KUBE_API');
    expect(error.message).toContain('(422 Invalid): Service "web" is invalid: spec.ports[0].nodePort');
    expect(error.message).toContain('provided port is already allocated');
  });

  it('answers a dry-run merge patch with the Service as the API server would store it', async () => {
    const api = await openClusterApi({ connection, k3d, cluster: named('my-app') });
    // A merge patch replaces spec.ports; the API server fills in what the list leaves out.
    const patch = { spec: { ports: [{ port: 8080, nodePort: 31999 }] } };
    const answer = await api.patchService('default', 'web', patch, { dryRun: true });
    expect(answer.ports.map((port) => port.raw)).toEqual([
      { port: 8080, nodePort: 31999, protocol: 'TCP', targetPort: 8080 },
    ]);
    const stored = (await api.listServices()).find((service) => service.name === 'web')!;
    expect(stored.ports[0]?.nodePort).toBe(30080);
  });

  it('refuses a patch made against an older version of the Service (409)', async () => {
    const api = await openClusterApi({ connection, k3d, cluster: named('my-app') });
    const patch = { metadata: { resourceVersion: '0' }, spec: { ports: [{ port: 8080, nodePort: 31999 }] } };
    const error = await failure(api.patchService('default', 'web', patch));
    expect(error.message).toMatch(/changed since tunnel read it \(409\)/);
    const web = (await api.listServices()).find((service) => service.name === 'web')!;
    expect(web.ports[0]?.nodePort).toBe(30080);
  });

  it("names a TLS verification failure: another cluster's API does not verify against this CA", async () => {
    const mine = await credentialsOf('my-app');
    const error = await failure((await mixedApi('other', mine)).version());
    expect(error.message).toMatch(
      /^TLS verification failed: the certificate of the Kubernetes API of cluster "other"/,
    );
  });

  it('reports an API server that does not accept the client certificate', async () => {
    const mine = await credentialsOf('my-app');
    const theirs = await credentialsOf('other');
    const error = await failure((await mixedApi('other', { ...mine, ca: theirs.ca })).version());
    expect(error.code).toBe('KUBE_API');
    expect(`${error.message} ${error.hint}`).toMatch(/client certificate/);
  });

  it('gives up on an API that accepts and never answers, saying which request', async () => {
    await devserver.world.setPaused('other', true);
    try {
      const api = await mixedApi('other', await credentialsOf('other'), 1500);
      const error = await failure(api.version());
      expect(error.message).toMatch(/did not answer GET \/version within 1500 ms/);
    } finally {
      await devserver.world.setPaused('other', false);
    }
  });
});
