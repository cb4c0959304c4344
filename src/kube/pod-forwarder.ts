// A ClusterIP Service's connections, each through the API's pod port-forward to a ready pod behind it.
// The pod is remembered per Service port (one EndpointSlice read per TTL, not per connection) and kept
// while it is ready; when it is gone (404/400 at the upgrade) the slices are read again and one other
// pod is tried. That is what `kubectl port-forward svc/…` does not do: it picks a pod once and dies with
// it, so after a rollout the next connection here just works.
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import { isDnsLabel } from '../plan/kube-names.js';
import type { KubeApi } from './api.js';
import { listEndpointSlices, type PickChoice, type PickedEndpoint, pickEndpoint } from './endpoints.js';
import { openPodStream, type PodStreamTarget } from './pod-forward.js';
import { isPodGone, kubectlLine, podWord } from './pod-stream.js';

/** A Service port, as the plan names it. */
export interface ServicePortTarget {
  namespace: string;
  service: string;
  /** The Service's own port (for messages; the pod's port comes from the slices). */
  port: number;
  /** The Service port's name; absent or "" for an unnamed port (a Service with one port). */
  portName?: string;
}

export interface PodForwarderOptions {
  api: KubeApi;
  log: Logger;
  /** How long a chosen pod is used without reading the slices again; default 30 s. */
  cacheMs?: number;
  now?: () => number;
  /** openPodStream, or a fake in tests. */
  openStream?: (channel: KubeApi['channel'], target: PodStreamTarget) => Promise<Duplex>;
}

interface Chosen {
  picked: PickedEndpoint;
  at: number;
}

export class PodForwarder {
  private readonly chosen = new Map<string, Chosen>();
  /** A read of the slices under way: a browser opening six connections at once causes one, not six. */
  private readonly reading = new Map<string, Promise<PickedEndpoint>>();
  private readonly cacheMs: number;
  private readonly now: () => number;
  private readonly openStream: NonNullable<PodForwarderOptions['openStream']>;
  /** Streams handed out and still open: stop() ends them (the cluster was dropped or re-created). */
  private readonly streams = new Set<Duplex>();
  private stopped = false;

  constructor(private readonly options: PodForwarderOptions) {
    this.cacheMs = options.cacheMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.openStream = options.openStream ?? openPodStream;
  }

  /** The pod the last connection went to, for status; undefined before the first. */
  lastPod(target: ServicePortTarget): string | undefined {
    return this.chosen.get(keyOf(target))?.picked.pod;
  }

  /** Ends every stream handed out that is still open; later opens fail. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  async open(target: ServicePortTarget): Promise<Duplex> {
    if (this.stopped) throw stoppedError(this.options.api);
    const key = keyOf(target);
    const known = this.chosen.get(key);
    const first =
      known && this.now() - known.at < this.cacheMs ? known.picked : await this.current(key, target, known);
    try {
      return await this.connect(key, first);
    } catch (error) {
      if (!isPodGone(error)) throw error;
      this.forget(key, first.pod);
      this.options.log(
        'info',
        `pod ${podWord(refOf(first))} is gone; choosing another behind ${serviceWord(target)}`,
      );
      return this.connect(key, await this.resolve(key, target, { avoid: new Set([first.pod]) }));
    }
  }

  private current(
    key: string,
    target: ServicePortTarget,
    known: Chosen | undefined,
  ): Promise<PickedEndpoint> {
    const under = this.reading.get(key);
    if (under) return under;
    const read = this.resolve(key, target, { avoid: new Set(), prefer: known?.picked.pod });
    this.reading.set(key, read);
    const done = () => this.reading.delete(key);
    read.then(done, done);
    return read;
  }

  /** Fresh slices → a ready pod, remembered from now on. */
  private async resolve(key: string, target: ServicePortTarget, choice: PickChoice): Promise<PickedEndpoint> {
    const slices = await listEndpointSlices(this.options.api, target.namespace, target.service);
    const picked = pickEndpoint(slices, { name: target.portName, port: target.port }, choice);
    if (!picked) throw noReadyPod(this.options.api, target);
    this.chosen.set(key, { picked, at: this.now() });
    return picked;
  }

  private async connect(key: string, picked: PickedEndpoint): Promise<Duplex> {
    const stream = await this.openStream(this.options.api.channel, refOf(picked));
    if (this.stopped) {
      // Stopped while this one was opening: it would go to a cluster no longer followed.
      stream.destroy();
      throw stoppedError(this.options.api);
    }
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    // The error channel can say the pod is gone only after the stream is handed out: the next connection
    // then reads the slices again instead of trying this pod first.
    stream.on('error', (error) => {
      if (isPodGone(error)) this.forget(key, picked.pod);
    });
    return stream;
  }

  private forget(key: string, pod: string): void {
    if (this.chosen.get(key)?.picked.pod === pod) this.chosen.delete(key);
  }
}

function keyOf(target: ServicePortTarget): string {
  return `${target.namespace}/${target.service}:${target.port}`;
}

function refOf(picked: PickedEndpoint) {
  return { namespace: picked.namespace, pod: picked.pod, port: picked.targetPort };
}

function serviceWord(target: ServicePortTarget): string {
  return podWord({ namespace: target.namespace, pod: target.service, port: target.port });
}

function stoppedError(api: KubeApi): TunnelError {
  return new TunnelError(
    'FORWARD',
    `The pod port-forwards of cluster ${JSON.stringify(api.context.cluster)} were stopped (the cluster was re-created, stopped or the connection replaced).`,
    { hint: 'The session follows the cluster again by itself; a new connection to the forward uses that.' },
  );
}

function noReadyPod(api: KubeApi, target: ServicePortTarget): TunnelError {
  const service = isDnsLabel(target.service) ? target.service : '<service>';
  return new TunnelError(
    'FORWARD',
    `No ready pod behind ${serviceWord(target)} on cluster ${JSON.stringify(api.context.cluster)}${target.portName ? ` (port ${JSON.stringify(target.portName)})` : ''}.`,
    {
      hint:
        'The Service has no ready endpoint for this port (pods starting, crashing, or a selector that matches none). ' +
        `See: ${kubectlLine(api.context, target.namespace, `get endpointslices -l kubernetes.io/service-name=${service} -o wide`)}`,
    },
  );
}
