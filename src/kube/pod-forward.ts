// Opening a pod port-forward: a fresh channel to the API, TLS as every API call does it (https-channel.ts),
// and the WebSocket upgrade of GET /api/v1/namespaces/NS/pods/POD/portforward?ports=P with subprotocol
// v4.channel.k8s.io, run by `ws` over that TLS socket (no second TLS, no local listener). The client
// certificate was shown in the TLS handshake; the HTTP request carries nothing secret.
// Since PortForwardWebsockets (1.30+) the API server tunnels only requests offering kubectl's
// SPDY/3.1+portforward.k8s.io; any other WebSocket upgrade, ours included, it proxies to the kubelet as
// before (pkg/registry/core/pod/rest/subresources.go, NewTranslatingHandler), where websocket.go serves v4.
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import WebSocket from 'ws';
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import type { ApiChannel } from './api.js';
import {
  type ApiContext,
  statusError,
  statusOf,
  timeoutError,
  tlsError,
  transportError,
} from './api-errors.js';
import { API_TLS_IDENTITY, connectTls, readErrorBody } from './https-channel.js';
import { kubectlLine, PodForwardError, type PodRef, PodStream, podWord } from './pod-stream.js';

export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

export interface PodStreamTarget extends PodRef {
  /** Channel, TLS and upgrade together; default 15 s. */
  timeoutMs?: number;
  /** After a local end(), how long to wait for the pod's side to close; default 30 s. */
  graceMs?: number;
}

// The kubelet writes at most 32 KiB per message (io.Copy); this bound only stops a hostile server.
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
// A refused upgrade's body is a Status object; only its message is kept.

export function portForwardPath(ref: PodRef): string {
  const ns = encodeURIComponent(ref.namespace);
  return `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(ref.pod)}/portforward?ports=${ref.port}`;
}

/** A Duplex carrying one TCP connection to `ref.port` inside the pod. */
export function openPodStream(channel: ApiChannel, target: PodStreamTarget): Promise<Duplex> {
  const { context } = channel;
  const request = { method: 'GET', path: portForwardPath(target) };
  const timeoutMs = target.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    let raw: Duplex | undefined;
    let socket: TLSSocket | undefined;
    let ws: WebSocket | undefined;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws?.terminate();
      socket?.destroy();
      raw?.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(timeoutError(context, request, timeoutMs)), timeoutMs);
    const upgrade = (secured: TLSSocket) => {
      ws = portForwardSocket(secured, request.path);
      ws.on('unexpected-response', (_req, response) =>
        readErrorBody(response, (body) =>
          fail(refusalError(context, target, response.statusCode ?? 0, body)),
        ),
      );
      ws.on('error', (error) => fail(upgradeError(context, request.path, error)));
      ws.once('open', () => {
        if (settled || !ws) return;
        settled = true;
        clearTimeout(timer);
        const stream = new PodStream(ws, { ref: target, context, graceMs: target.graceMs ?? 30_000 });
        // After the upgrade the socket is ws's; a broken transport shows as its close (1006) too.
        secured.on('error', (error) => stream.destroy(transportError(context, request, error)));
        stream.once('close', () => raw?.destroy());
        resolve(stream);
      });
    };
    channel.open().then(
      (opened) => {
        raw = opened;
        if (settled) return opened.destroy();
        const secured = connectTls(opened, channel.credentials);
        socket = secured;
        secured.on('error', (error) => fail(tlsError(context, error)));
        secured.once('secureConnect', () => upgrade(secured));
      },
      (error: unknown) => fail(tlsError(context, error)),
    );
  });
}

/** The WebSocket upgrade of `path`, run by ws over the TLS socket that is already up. */
function portForwardSocket(secured: TLSSocket, path: string): WebSocket {
  return new WebSocket(`wss://${API_TLS_IDENTITY}${path}`, PORT_FORWARD_PROTOCOL, {
    // ws asks for a connection and gets the TLS socket that is already up (typed for net's signature).
    createConnection: (() => secured) as unknown as WebSocket.ClientOptions['createConnection'],
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
    followRedirects: false,
    headers: { 'User-Agent': 'tunnel' },
  });
}

/** 404: the pod is gone (deleted after the slices were read); 400: not running or not scheduled. */
export function refusalError(context: ApiContext, ref: PodRef, status: number, body: unknown): TunnelError {
  if (status === 404 || status === 400) {
    const said = statusOf(body).message ?? (typeof body === 'string' ? body : '');
    return new PodForwardError(
      `Pod ${podWord(ref)} on cluster ${JSON.stringify(context.cluster)} cannot be forwarded to (${status}${said ? `: ${remoteText(said, 300)}` : ''}).`,
      {
        podGone: true,
        hint: `The pod was deleted or is not running. See the pods now: ${kubectlLine(context, ref.namespace, 'get pods')}`,
      },
    );
  }
  return statusError(context, { method: 'GET', path: portForwardPath(ref) }, status, body);
}

function upgradeError(context: ApiContext, path: string, error: Error): TunnelError {
  return new TunnelError(
    'KUBE_API',
    `The Kubernetes API of cluster ${JSON.stringify(context.cluster)} did not accept the WebSocket upgrade of GET ${remoteText(path, 300)}: ${remoteText(error.message, 300)}`,
    {
      hint: `tunnel needs ${PORT_FORWARD_PROTOCOL} (every Kubernetes since 1.4 serves it). Check the server version: tunnel clusters ${context.host}`,
    },
  );
}
