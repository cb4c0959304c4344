// The simulated pod port-forward (kubelet's v4.channel.k8s.io WebSocket framing) through a real sshd's `ssh -L`
// to the cluster's API port: the pod's app answering, containerd's refusal of a port nothing listens on, the
// API's 404/401 before the upgrade, bulk bytes both ways, and the stream ending when the pod is replaced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPortForward, type SimKube, slicesOf, startSimKube, tlsOf, until } from './sim-kube-helpers.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot)
  console.warn('sim-kube-portforward: skipped, needs root (the dev server in its own network namespace)');

describe.skipIf(!isRoot)('the simulated pod port-forward', () => {
  let sim: SimKube;
  beforeAll(async () => {
    sim = await startSimKube();
  });
  afterAll(async () => {
    await sim?.stop();
  });
  const backendPod = async () =>
    (await slicesOf(sim, 'default', 'backend'))[0].endpoints[0].targetRef.name as string;
  const forwardPath = (pod: string, port: number) =>
    `/api/v1/namespaces/default/pods/${pod}/portforward?ports=${port}`;

  it("carries the pod's app over the data channel after the port header on both channels", async () => {
    const pod = await backendPod();
    const forward = await openPortForward(sim.port, sim.tls, forwardPath(pod, 8080));
    expect(forward.protocol).toBe('v4.channel.k8s.io');
    forward.send('GET / HTTP/1.1\r\nHost: backend\r\nConnection: close\r\n\r\n');
    expect(await forward.closed).toBe(1000);
    const headers = forward.messages
      .slice(0, 2)
      .map(([channel, payload]) => [channel, payload.readUInt16LE()]);
    expect(headers).toEqual([
      [0, 8080],
      [1, 8080],
    ]);
    expect(forward.data()).toMatch(new RegExp(`\\r\\n\\r\\nhello from my-app pod ${pod} port 8080\\n$`));
    expect(forward.error()).toBe('');
  });

  it('echoes a body sent in many messages and streams 4 MiB back', async () => {
    const pod = await backendPod();
    const forward = await openPortForward(sim.port, sim.tls, forwardPath(pod, 8080));
    const chunk = 'x'.repeat(64 * 1024);
    forward.send(`POST /echo HTTP/1.1\r\nHost: b\r\nContent-Length: ${16 * chunk.length}\r\n\r\n`);
    for (let index = 0; index < 16; index++) forward.send(chunk);
    // The echo is chunked (no Content-Length): wait for its last chunk, then count the body's bytes.
    await until(() => forward.data().endsWith('\r\n0\r\n\r\n'));
    const body = forward.data().slice(forward.data().indexOf('\r\n\r\n'));
    expect(body.split('x').length - 1).toBe(16 * chunk.length);
    forward.send('GET /bytes/4194304 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n');
    await forward.closed;
    expect(forward.data().length).toBeGreaterThan(16 * chunk.length + 4 * 1024 * 1024);
  });

  it("refuses a port nothing listens on with containerd's message on the error channel", async () => {
    const refused = await openPortForward(sim.port, sim.tls, forwardPath(await backendPod(), 9999));
    await refused.closed;
    expect(refused.error()).toMatch(
      /^error forwarding port 9999 to pod [0-9a-f]{64}, uid : .*connection refused/,
    );
    expect(refused.data()).toBe('');
  });

  it('answers 404 for a missing pod, 500 for one not running, 401 without a client certificate, before any upgrade', async () => {
    const missing = openPortForward(sim.port, sim.tls, forwardPath('nope', 8080));
    await expect(missing).rejects.toMatchObject({ status: 404 });
    const body = await missing.catch((error: { body: string }) => JSON.parse(error.body));
    expect(body).toMatchObject({
      kind: 'Status',
      reason: 'NotFound',
      message: 'pods "nope" not found',
      code: 404,
    });
    const pending = await backendPod();
    await sim.dev.world.update((world) => {
      const pod = world.clusters[0]!.kube.pods.find((item) => item.metadata.name === pending)!;
      (pod.status as { phase: string }).phase = 'Pending';
    });
    const notRunning = openPortForward(sim.port, sim.tls, forwardPath(pending, 8080));
    await expect(notRunning).rejects.toMatchObject({
      status: 500,
      body: expect.stringMatching(/is not running/),
    });
    await sim.dev.world.update((world) => {
      const pod = world.clusters[0]!.kube.pods.find((item) => item.metadata.name === pending)!;
      (pod.status as { phase: string }).phase = 'Running';
    });
    const anonymous = tlsOf(sim.dev.world.state().clusters[0]!, false);
    await expect(
      openPortForward(sim.port, anonymous, forwardPath(await backendPod(), 8080)),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('closes a port-forward when its pod is replaced; the slice then names the new pod', async () => {
    const pod = await backendPod();
    const forward = await openPortForward(sim.port, sim.tls, forwardPath(pod, 8080));
    forward.send('GET / HTTP/1.1\r\nHost: backend\r\n\r\n');
    await until(() => forward.data().includes('hello from my-app pod'));
    await sim.dev.world.replacePods('my-app', 'default', 'backend');
    await forward.closed;
    const replacement = await backendPod();
    expect(replacement).not.toBe(pod);
    expect(replacement).toMatch(/^backend-/);
  });
});
