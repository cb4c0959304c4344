// The framing of the Kubernetes pod port-forward over WebSocket, subprotocol v4.channel.k8s.io (kubelet
// pkg/kubelet/cri/streaming/portforward/websocket.go with apiserver wsstream): for one forwarded port a
// data channel 0 and an error channel 1; every binary message starts with its channel byte. The server
// first writes the port, uint16 little-endian, on each channel; then the data channel carries the pod's
// bytes and the error channel, at most once, a text saying why the forward failed. Pure; no I/O.

export const DATA_CHANNEL = 0;
export const ERROR_CHANNEL = 1;

/** Enough for kubelet's "error forwarding port … to pod …, uid …: <runtime error>"; the rest is cut. */
export const MAX_ERROR_TEXT = 4096;

export type Decoded =
  | { kind: 'data'; data: Buffer }
  | { kind: 'error'; text: string }
  | { kind: 'none' }
  | { kind: 'bad'; why: string };

/** One message to the pod: the data channel's byte, then the bytes. */
export function dataFrame(chunk: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(chunk.length + 1);
  frame[0] = DATA_CHANNEL;
  chunk.copy(frame, 1);
  return frame;
}

/**
 * Decodes the server's messages for one port, stripping the two port bytes from the start of each
 * channel (they may in principle come split over messages, so they are counted, not assumed whole).
 */
export class FrameDecoder {
  private readonly prefix = [Buffer.alloc(0), Buffer.alloc(0)];

  constructor(private readonly port: number) {}

  decode(message: Buffer): Decoded {
    if (message.length === 0) return { kind: 'none' };
    const channel = message[0];
    if (channel !== DATA_CHANNEL && channel !== ERROR_CHANNEL)
      return { kind: 'bad', why: `a message on channel ${channel}, but only 0 (data) and 1 (error) exist` };
    let body = message.subarray(1);
    const seen = this.prefix[channel] ?? Buffer.alloc(0);
    if (seen.length < 2) {
      const taken = body.subarray(0, 2 - seen.length);
      const now = Buffer.concat([seen, taken]);
      this.prefix[channel] = now;
      body = body.subarray(taken.length);
      if (now.length === 2 && now.readUInt16LE(0) !== this.port)
        return { kind: 'bad', why: `the stream is for port ${now.readUInt16LE(0)}, not ${this.port}` };
      if (now.length < 2) return { kind: 'none' };
    }
    if (body.length === 0) return { kind: 'none' };
    if (channel === DATA_CHANNEL) return { kind: 'data', data: body };
    return { kind: 'error', text: body.subarray(0, MAX_ERROR_TEXT).toString('utf8') };
  }
}

// What the kubelet or the container runtime says when the pod (or its sandbox) is no longer there: the
// error channel carries text only, no status code, so its words are the one signal. Anything else (a
// refused port, say) is the app's problem and another pod would not help.
const GONE = /\b(not found|not running|no such (container|sandbox|pod)|does not exist)\b/i;

export function errorMeansPodGone(text: string): boolean {
  return GONE.test(text);
}
