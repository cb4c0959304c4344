// The pod port-forward end to end against a real WebSocket server on HTTPS with client certificates
// (fake-kubelet.ts), reached through an ApiChannel that is a loopback TCP connection.

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoCertificates, makeDemoCertificates } from '../../../src/demo/certs.js';
import type { KubeApi } from '../../../src/kube/api.js';
import { openPodStream, refusalError } from '../../../src/kube/pod-forward.js';
import { PodForwarder } from '../../../src/kube/pod-forwarder.js';
import { isPodGone } from '../../../src/kube/pod-stream.js';
import { fakeKubeApi } from './fake-api.js';
import { type FakeKubelet, startFakeKubelet } from './fake-kubelet.js';

let certs: DemoCertificates | undefined;
let kubelet: FakeKubelet;
const skipped: string[] = [];

beforeAll(async () => {
  certs = await makeDemoCertificates((why) => skipped.push(why));
  if (certs) kubelet = await startFakeKubelet(certs);
});
afterAll(async () => {
  await kubelet?.close();
});

/** Reads until `size` bytes or `text` arrived (or the stream ended). */
function readUntil(stream: Duplex, done: (received: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (done(received)) finish();
    };
    const finish = () => {
      stream.off('data', onData);
      stream.off('end', finish);
      stream.off('error', reject);
      stream.pause();
      resolve(received);
    };
    stream.on('data', onData);
    stream.once('end', finish);
    stream.once('error', reject);
    stream.resume();
  });
}
const line = (stream: Duplex) => readUntil(stream, (bytes) => bytes.includes(10)).then(String);
const ended = (stream: Duplex) =>
  new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('end', resolve);
    stream.resume();
  });

const target = (pod: string, port = 8080) => ({ namespace: 'default', pod, port });

describe('openPodStream', () => {
  it('carries a connection to the pod both ways (TLS with the client certificate, v4 framing)', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    const stream = await openPodStream(kubelet.channel, target('backend-1'));
    expect(await line(stream)).toBe('hello from pod backend-1 port 8080\n');
    stream.write('ping');
    expect(String(await readUntil(stream, (bytes) => bytes.length >= 4))).toBe('ping');
    stream.write('bye');
    await ended(stream);
  });

  it('moves 8 MiB each way intact (backpressure on both sides)', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    const stream = await openPodStream(kubelet.channel, target('backend-1'));
    await line(stream);
    const payload = randomBytes(8 * 1024 * 1024);
    const echoed = readUntil(stream, (bytes) => bytes.length >= payload.length);
    for (let offset = 0; offset < payload.length; offset += 100_000) {
      if (!stream.write(payload.subarray(offset, offset + 100_000)))
        await new Promise((resolve) => stream.once('drain', resolve));
    }
    const back = await echoed;
    expect(createHash('sha256').update(back).digest('hex')).toBe(
      createHash('sha256').update(payload).digest('hex'),
    );
    stream.destroy();
  });

  it('keeps reading after a local end (v4 has no half-close), then closes after the grace', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    const stream = await openPodStream(kubelet.channel, { ...target('backend-1'), graceMs: 50 });
    await line(stream);
    stream.end('last words');
    expect(String(await readUntil(stream, (bytes) => bytes.length >= 10))).toBe('last words');
    await ended(stream);
  });

  it('fails the stream with the error channel text, naming the pod and port', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    kubelet.refusing.add('broken-1');
    const stream = await openPodStream(kubelet.channel, target('broken-1', 9000));
    const failure = await ended(stream).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/default\/broken-1:9000 .*connection refused/);
    expect(isPodGone(failure)).toBe(false);
  });

  it('says a pod that is gone (404) is gone, so the caller chooses another', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    kubelet.gone.add('deleted-1');
    const failure = await openPodStream(kubelet.channel, target('deleted-1')).catch((error: Error) => error);
    expect(isPodGone(failure)).toBe(true);
    expect((failure as Error).message).toMatch(/default\/deleted-1:8080.*404: pods "deleted-1" not found/);
  });

  it('gives up on an API that never answers the TLS handshake', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const channel = {
      context: { host: 'devserver', cluster: 'my-app', address: `127.0.0.1:${port}` },
      credentials: { ca: '', cert: '', key: '' },
      open: async () => net.connect(port, '127.0.0.1') as Duplex,
    };
    const failure = await openPodStream(channel, { ...target('backend-1'), timeoutMs: 100 }).catch(
      (e: Error) => e,
    );
    expect((failure as Error).message).toMatch(
      /did not answer GET \/api\/v1\/namespaces\/default\/pods\/backend-1\/portforward/,
    );
    silent.close();
  });
});

describe('refusalError', () => {
  const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
  it('marks 404 and 400 as a gone pod, and leaves 401/403 to the API errors every call shares', () => {
    expect(
      isPodGone(
        refusalError(context, target('web-1'), 400, { message: 'pod web-1 does not have a host assigned' }),
      ),
    ).toBe(true);
    const forbidden = refusalError(context, target('web-1'), 403, { message: 'pods "web-1" is forbidden' });
    expect(isPodGone(forbidden)).toBe(false);
    expect(forbidden.message).toMatch(/forbids GET .*portforward/);
    expect(refusalError(context, target('web-1'), 401, '').message).toMatch(/refused the client certificate/);
  });
});

describe('PodForwarder', () => {
  const slice = (...pods: string[]) => ({
    items: [
      {
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        endpoints: pods.map((pod) => ({
          conditions: { ready: true },
          targetRef: { kind: 'Pod', name: pod, namespace: 'default' },
        })),
      },
    ],
  });
  const backend = { namespace: 'default', service: 'backend', port: 9000, portName: 'http' };

  function fakeApi(state: { slices: object; reads: string[] }): KubeApi {
    return fakeKubeApi({
      context: kubelet.channel.context,
      channel: kubelet.channel,
      getJson: async (path) => {
        state.reads.push(path);
        return state.slices;
      },
    });
  }

  it('after the pod is replaced, the next connection reaches the new one (re-resolved once)', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    const state = { slices: slice('backend-a'), reads: [] as string[] };
    const logged: string[] = [];
    const forwarder = new PodForwarder({
      api: fakeApi(state),
      log: (_level, message) => logged.push(message),
    });
    const first = await forwarder.open(backend);
    expect(await line(first)).toBe('hello from pod backend-a port 8080\n');
    first.destroy();
    expect(state.reads).toEqual([
      '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dbackend',
    ]);
    // A rollout: the old pod is deleted, a new one is ready.
    kubelet.gone.add('backend-a');
    state.slices = slice('backend-a', 'backend-b');
    const second = await forwarder.open(backend);
    expect(await line(second)).toBe('hello from pod backend-b port 8080\n');
    second.destroy();
    expect(state.reads).toHaveLength(2);
    expect(forwarder.lastPod(backend)).toBe('backend-b');
    expect(logged).toEqual([
      'pod default/backend-a:8080 is gone; choosing another behind default/backend:9000',
    ]);
  });

  it('says there is no ready pod, with the kubectl that shows the endpoints', async (t) => {
    if (!certs) return t.skip(`no certificates: ${skipped.join('; ')}`);
    const forwarder = new PodForwarder({ api: fakeApi({ slices: slice(), reads: [] }), log: () => {} });
    const failure = (await forwarder.open(backend).catch((error: unknown) => error)) as {
      message: string;
      hint: string;
    };
    expect(failure.message).toMatch(/No ready pod behind default\/backend:9000 on cluster "my-app"/);
    expect(failure.hint).toContain(
      "kubectl --context 'k3d-my-app@devserver' -n default get endpointslices -l kubernetes.io/service-name=backend",
    );
  });
});
