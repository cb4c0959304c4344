// Which pod PodForwarder sends each connection to, over time (fake clock, fake streams): one slice read
// for a burst, the pod kept while ready, the slices read again after the TTL, when the pod is gone at the
// upgrade, or when its error channel said so.

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { PodForwarder } from '../../../src/kube/pod-forwarder.js';
import { PodForwardError } from '../../../src/kube/pod-stream.js';
import { fakeKubeApi } from './fake-api.js';

const context = { host: 'devserver', cluster: 'my-app', address: '127.0.0.1:16443' };
const backend = { namespace: 'default', service: 'backend', port: 9000 };

function world() {
  const state = {
    ready: ['web-1'] as string[],
    notReady: [] as string[],
    reads: 0,
    opened: [] as string[],
    now: 0,
    /** Pods whose upgrade fails, and how. */
    failing: new Map<string, Error>(),
  };
  const endpoint = (pod: string, ready: boolean) => ({
    conditions: { ready },
    targetRef: { kind: 'Pod', name: pod, namespace: 'default' },
  });
  const api = fakeKubeApi({
    context,
    getJson: async () => {
      state.reads++;
      const endpoints = [
        ...state.ready.map((pod) => endpoint(pod, true)),
        ...state.notReady.map((pod) => endpoint(pod, false)),
      ];
      return { items: [{ ports: [{ port: 8080 }], endpoints }] };
    },
  });
  const forwarder = new PodForwarder({
    api,
    log: () => {},
    now: () => state.now,
    cacheMs: 30_000,
    openStream: async (_channel, target) => {
      state.opened.push(target.pod);
      const failure = state.failing.get(target.pod);
      if (failure) throw failure;
      return new PassThrough();
    },
  });
  return { state, forwarder };
}

const gone = (pod: string) => new PodForwardError(`pod ${pod} gone`, { hint: 'h', podGone: true });

describe('PodForwarder', () => {
  it('reads the slices once for a burst of connections and keeps the pod within the TTL', async () => {
    const { state, forwarder } = world();
    await Promise.all([forwarder.open(backend), forwarder.open(backend), forwarder.open(backend)]);
    state.now = 29_000;
    await forwarder.open(backend);
    expect(state.reads).toBe(1);
    expect(state.opened).toEqual(['web-1', 'web-1', 'web-1', 'web-1']);
  });

  it('after the TTL keeps a pod that is still ready, and leaves one that is not', async () => {
    const { state, forwarder } = world();
    state.ready = ['web-2'];
    await forwarder.open(backend);
    state.ready = ['web-1', 'web-2'];
    state.now = 31_000;
    await forwarder.open(backend);
    expect(forwarder.lastPod(backend)).toBe('web-2');
    state.ready = ['web-1'];
    state.notReady = ['web-2'];
    state.now = 62_000;
    await forwarder.open(backend);
    expect(state.opened).toEqual(['web-2', 'web-2', 'web-1']);
    expect(state.reads).toBe(3);
  });

  it('reads again at once when the error channel said the pod is gone', async () => {
    const { state, forwarder } = world();
    const stream = await forwarder.open(backend);
    stream.destroy(gone('web-1'));
    await new Promise((resolve) => stream.once('close', resolve));
    state.ready = ['web-3'];
    await forwarder.open(backend);
    expect(state.opened).toEqual(['web-1', 'web-3']);
  });

  it('tries one other pod when the first is gone, then gives up with the second failure', async () => {
    const { state, forwarder } = world();
    state.ready = ['web-1', 'web-2', 'web-3'];
    state.failing.set('web-1', gone('web-1'));
    state.failing.set('web-2', gone('web-2'));
    await expect(forwarder.open(backend)).rejects.toThrow('pod web-2 gone');
    expect(state.opened).toEqual(['web-1', 'web-2']);
  });

  it('does not retry a failure another pod would share (a refused certificate)', async () => {
    const { state, forwarder } = world();
    state.ready = ['web-1', 'web-2'];
    state.failing.set('web-1', new TunnelError('KUBE_API', 'refused the client certificate (401)'));
    await expect(forwarder.open(backend)).rejects.toThrow(/401/);
    expect(state.opened).toEqual(['web-1']);
  });

  it('stop() ends the streams it handed out that are still open, and opens no more', async () => {
    const { forwarder } = world();
    const closed = await forwarder.open(backend);
    const open = await forwarder.open(backend);
    closed.destroy();
    forwarder.stop();
    expect(open.destroyed).toBe(true);
    await expect(forwarder.open(backend)).rejects.toThrow(
      'The pod port-forwards of cluster "my-app" were stopped',
    );
  });
});
