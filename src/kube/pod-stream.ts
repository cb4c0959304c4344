// One forwarded connection to a pod, as a Duplex over a WebSocket (subprotocol v4.channel.k8s.io; framing
// in portforward-frames.ts). Writes go out as data-channel messages with backpressure from the socket;
// the pod's bytes come in with the WebSocket paused while the reader is full; a text on the error channel
// destroys the stream with a TunnelError naming the pod and port.
//
// v4 has no half-close: a client cannot say "no more data" and keep reading (v5.channel.k8s.io added a
// close signal, but the kubelet's port-forward handler offers only v4). So a local end() sends nothing: we
// keep reading until the pod's side closes, and close ourselves after a bounded grace.
import { Duplex } from 'node:stream';
import type WebSocket from 'ws';
import { TunnelError } from '../errors.js';
import { defaultNames } from '../kubeconfig/rewrite.js';
import { isDnsLabel, isDnsSubdomain } from '../plan/kube-names.js';
import { remoteText } from '../redact.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import type { ApiContext } from './api-errors.js';
import { type Decoded, dataFrame, errorMeansPodGone, FrameDecoder } from './portforward-frames.js';

export interface PodRef {
  namespace: string;
  pod: string;
  port: number;
}

/** A pod port-forward failure; `podGone` when another pod might work (the pod was deleted or stopped). */
export class PodForwardError extends TunnelError {
  readonly podGone: boolean;

  constructor(message: string, options: { hint: string; podGone: boolean }) {
    super('FORWARD', message, { hint: options.hint });
    this.name = 'PodForwardError';
    this.podGone = options.podGone;
  }
}

export function isPodGone(error: unknown): boolean {
  return error instanceof PodForwardError && error.podGone;
}

/** `namespace/pod:port` for messages (escaped, bounded: the names come from the API). */
export function podWord(ref: PodRef): string {
  return remoteText(`${ref.namespace}/${ref.pod}:${ref.port}`, 300);
}

/** A kubectl line for the user's machine (the context tunnel merged), with names only when they are safe. */
export function kubectlLine(context: ApiContext, namespace: string, args: string): string {
  const ns = isDnsLabel(namespace) ? namespace : '<namespace>';
  const cluster = isSafeClusterName(context.cluster) ? context.cluster : '<cluster>';
  const host = /^[\w.@:-]{1,100}$/.test(context.host) ? context.host : '<host>';
  const kubeContext = defaultNames(cluster, host).context;
  return `kubectl --context '${kubeContext}' -n ${ns} ${args}`;
}

export function podErrorFromChannel(context: ApiContext, ref: PodRef, text: string): PodForwardError {
  const podGone = errorMeansPodGone(text);
  const pod = isDnsSubdomain(ref.pod) ? ref.pod : '<pod>';
  return new PodForwardError(
    `The pod port-forward to ${podWord(ref)} on cluster ${JSON.stringify(context.cluster)} failed: ${remoteText(text, 600)}`,
    {
      podGone,
      hint: podGone
        ? 'The pod went away; the next connection picks another ready pod behind the Service.'
        : `Is the app in the pod listening on port ${ref.port}? See: ${kubectlLine(context, ref.namespace, `describe pod ${pod}`)}`,
    },
  );
}

export interface PodStreamOptions {
  ref: PodRef;
  context: ApiContext;
  /** How long a locally ended stream waits for the pod's side to close (v4 has no half-close). */
  graceMs: number;
}

// Past this much queued in ws and the TLS socket, a write waits for its message to leave.
const HIGH_WATER = 256 * 1024;

export class PodStream extends Duplex {
  private readonly decoder: FrameDecoder;
  private grace: NodeJS.Timeout | undefined;
  private remoteClosed = false;
  /** We said goodbye (the grace ran out): however the socket then closes, the stream just ends. */
  private closing = false;

  /** Made in the WebSocket's 'open' handler: ws delivers no message before that returns. */
  constructor(
    private readonly ws: WebSocket,
    private readonly options: PodStreamOptions,
  ) {
    // allowHalfOpen false: once the pod's side closed nothing we write can arrive, so the writable ends too.
    super({ allowHalfOpen: false });
    this.decoder = new FrameDecoder(options.ref.port);
    ws.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', (code: number) => this.onClose(code));
    ws.on('error', (error: Error) => this.fail(remoteText(error.message, 200)));
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.destroyed) return;
    const decoded: Decoded = isBinary
      ? this.decoder.decode(data)
      : { kind: 'bad', why: 'a text message, but v4.channel.k8s.io sends binary ones' };
    if (decoded.kind === 'bad') this.fail(decoded.why);
    else if (decoded.kind === 'error')
      this.destroy(podErrorFromChannel(this.options.context, this.options.ref, decoded.text));
    else if (decoded.kind === 'data' && !this.push(decoded.data)) this.ws.pause();
  }

  private onClose(code: number): void {
    this.remoteClosed = true;
    clearTimeout(this.grace);
    // 1006: the connection dropped without a close message (the SSH channel or the API server went away):
    // an ending would pass a cut-off response off as complete.
    if (code === 1006 && !this.closing) this.fail('the connection dropped without a WebSocket close');
    else if (!this.destroyed) this.push(null);
  }

  private fail(why: string): void {
    if (this.destroyed) return;
    const { context, ref } = this.options;
    this.destroy(
      new PodForwardError(
        `The pod port-forward to ${podWord(ref)} on cluster ${JSON.stringify(context.cluster)} broke: ${why}.`,
        { podGone: false, hint: `The SSH connection or the API server may have gone away; connect again.` },
      ),
    );
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    let waiting = false;
    this.ws.send(dataFrame(chunk), { binary: true }, (error) => {
      if (waiting) callback(error);
      // A message that cannot leave after the pod's side closed is moot; otherwise the stream is broken.
      else if (error && !this.remoteClosed && !this.destroyed) this.fail(error.message);
    });
    if (this.ws.bufferedAmount < HIGH_WATER) callback();
    else waiting = true;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.remoteClosed) {
      this.grace = setTimeout(() => {
        this.closing = true;
        this.ws.close(1000);
      }, this.options.graceMs);
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.grace);
    // A clean local close says goodbye; a failed one just drops the connection.
    if (error || this.ws.readyState !== this.ws.OPEN) this.ws.terminate();
    else this.ws.close(1000);
    callback(error);
  }
}
