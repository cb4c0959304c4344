// Fakes for the Service follower's tests: a dev-server connection whose channels are scripted, a
// cluster API that opens (or fails) per cluster, catalogs that record their life and can announce a change.
import { Duplex } from 'node:stream';
import type { KubeApi } from '../../../src/kube/api.js';
import type { K3dNodeAddress } from '../../../src/remote/types.js';
import type {
  CatalogChange,
  CatalogPort,
  CatalogView,
  KubePorts,
  PodTarget,
} from '../../../src/session/kube-seams.js';
import type { FollowConnection } from '../../../src/session/service-follow.js';

export interface FakeChannel extends Duplex {
  destroyedByCaller: boolean;
}

export function fakeChannel(): FakeChannel {
  const channel = new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() }) as FakeChannel;
  channel.destroyedByCaller = false;
  channel.on('close', () => {
    channel.destroyedByCaller = true;
  });
  return channel;
}

/** How the dev server answers a channel to host:port: a channel, a refusal, or never. */
export type ChannelAnswer = 'open' | 'refused' | 'hang';

export interface FakeConnection extends FollowConnection {
  dialled: string[];
  channels: FakeChannel[];
  close(): void;
  /** Opens the channels left hanging (a late answer). */
  answerLate(): void;
}

export function fakeConnection(
  options: { answer?: ChannelAnswer; engineHost?: string } = {},
): FakeConnection {
  let close = () => {};
  const closed = new Promise<void>((resolve) => {
    close = resolve;
  });
  const dialled: string[] = [];
  const channels: FakeChannel[] = [];
  const late: (() => void)[] = [];
  const forwardOut = (host: string, port: number) => {
    dialled.push(`${host}:${port}`);
    const answer = options.answer ?? 'open';
    if (answer === 'refused')
      return Promise.reject(new Error('(SSH) Channel open failure: Connection refused'));
    const channel = fakeChannel();
    channels.push(channel);
    if (answer === 'hang') return new Promise<Duplex>((resolve) => late.push(() => resolve(channel)));
    return Promise.resolve(channel);
  };
  return {
    devServer: {
      ssh: { forwardOut, target: { alias: 'devserver' } } as never,
      k3d: async () => ({ path: 'k3d' }) as never,
      engine: async () => ({ endpoint: undefined, scheme: undefined, remoteHost: options.engineHost }),
    },
    closed,
    dialled,
    channels,
    close: () => close(),
    answerLate: () => {
      for (const open of late.splice(0)) open();
    },
  };
}

export function nodes(cluster: string, server = '172.18.0.3', agent = '172.18.0.4'): K3dNodeAddress[] {
  return [
    { name: `k3d-${cluster}-server-0`, role: 'server', address: server, running: true },
    { name: `k3d-${cluster}-agent-0`, role: 'agent', address: agent, running: true },
  ];
}

export interface FakeCatalog extends CatalogPort {
  cluster: string;
  stopped: boolean;
  view: CatalogView;
  announce(change?: Partial<CatalogChange>): void;
}

export interface FakeKube extends KubePorts {
  /** Clusters whose API fails to open (an error message each). */
  failing: Map<string, string>;
  /** Clusters whose first list never ends. */
  hanging: Set<string>;
  catalogsMade: FakeCatalog[];
  apisOpened: string[];
  podTargets: PodTarget[];
}

export function fakeKube(): FakeKube {
  const kube: FakeKube = {
    failing: new Map(),
    hanging: new Set(),
    catalogsMade: [],
    apisOpened: [],
    podTargets: [],
    openApi: async ({ cluster }) => {
      kube.apisOpened.push(cluster.name);
      const failure = kube.failing.get(cluster.name);
      if (failure) throw new Error(failure);
      return { context: { cluster: cluster.name } } as unknown as KubeApi;
    },
    catalog: async ({ cluster, onChange }) => {
      const catalog: FakeCatalog = {
        cluster,
        stopped: false,
        view: { services: [], readyNodes: [`k3d-${cluster}-server-0`] },
        start: () => (kube.hanging.has(cluster) ? new Promise<void>(() => {}) : Promise.resolve()),
        current: () => catalog.view,
        stop: () => {
          catalog.stopped = true;
        },
        announce: (change = {}) =>
          onChange({ appeared: [], left: [], changed: [], nodesChanged: false, ...change }),
      };
      kube.catalogsMade.push(catalog);
      return catalog;
    },
    podStreams: async () => {
      const handedOut: FakeChannel[] = [];
      return {
        open: async (target) => {
          kube.podTargets.push(target);
          const channel = fakeChannel();
          handedOut.push(channel);
          return channel;
        },
        stop: () => {
          for (const channel of handedOut) channel.destroy();
        },
      };
    },
  };
  return kube;
}

/** A clock whose timers run only when the test says. */
export function manualClock() {
  const timers = new Map<number, () => void>();
  let next = 1;
  return {
    now: () => 0,
    monotonicNow: () => 0,
    setTimeout: (callback: () => void) => {
      const id = next++;
      timers.set(id, callback);
      return id;
    },
    clearTimeout: (handle: unknown) => {
      timers.delete(handle as number);
    },
    fireAll: () => {
      for (const [id, callback] of [...timers]) {
        timers.delete(id);
        callback();
      }
    },
    pending: () => timers.size,
  };
}
