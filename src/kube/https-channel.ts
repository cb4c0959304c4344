// One HTTPS request over an SSH channel: the channel (a Duplex from forwardOut) carries TLS, verified against
// the cluster's CA with the client certificate from k3d's kubeconfig, and node:http speaks HTTP/1.1 on it.
// Nothing listens locally. Every request has a deadline and a response size limit; the channel is closed after.

import http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import {
  type ApiContext,
  type ApiRequest,
  timeoutError,
  tlsError,
  tooLargeError,
  transportError,
} from './api-errors.js';

/** PEM text, as k3d's kubeconfig embeds it (base64-decoded). */
export interface KubeCredentials {
  /** certificate-authority-data: the CA that signed the API server's certificate. */
  ca: string;
  /** client-certificate-data (k3s writes the admin certificate followed by its client CA). */
  cert: string;
  /** client-key-data. */
  key: string;
}

/**
 * The name the API server's certificate is checked against: what kubectl on this machine verifies through
 * the tunnel (the kubeconfig says https://127.0.0.1:<local port>), and a SAN k3s always puts in its
 * certificate. The dev server's own name or IP usually is not in it. No SNI is sent for an IP, like kubectl.
 */
export const API_TLS_IDENTITY = '127.0.0.1';

export interface ChannelRequest extends ApiRequest {
  /** Opens a fresh channel to the API as seen from the dev server. */
  open: () => Promise<Duplex>;
  credentials: KubeCredentials;
  context: ApiContext;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface RawResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export function requestOverChannel(request: ChannelRequest): Promise<RawResponse> {
  const { context } = request;
  return new Promise((resolve, reject) => {
    let settled = false;
    let channel: Duplex | undefined;
    let socket: tls.TLSSocket | undefined;
    const finish = (error: Error | undefined, response?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      channel?.destroy();
      if (error) reject(error);
      else resolve(response!);
    };
    const timer = setTimeout(
      () => finish(timeoutError(context, request, request.timeoutMs)),
      request.timeoutMs,
    );
    request.open().then(
      (opened) => {
        channel = opened;
        if (settled) return opened.destroy();
        socket = startTls(opened, request, finish);
      },
      (error: unknown) => finish(tlsError(context, error)),
    );
  });
}

type Finish = (error: Error | undefined, response?: RawResponse) => void;

/**
 * TLS to the API over a channel, as every call does it (a watch and a pod port-forward too): verified
 * against the cluster CA (rejectUnauthorized stays true, the default) for API_TLS_IDENTITY, with the client
 * certificate from k3d's kubeconfig.
 */
export function connectTls(channel: Duplex, credentials: KubeCredentials): tls.TLSSocket {
  return tls.connect({
    socket: channel,
    host: API_TLS_IDENTITY,
    ca: credentials.ca,
    cert: credentials.cert,
    key: credentials.key,
    ALPNProtocols: ['http/1.1'],
    minVersion: 'TLSv1.2',
  });
}

function startTls(channel: Duplex, request: ChannelRequest, finish: Finish): tls.TLSSocket {
  const { credentials, context } = request;
  let secured = false;
  const socket = connectTls(channel, credentials);
  socket.on('error', (error) => {
    // TLS 1.3 finishes the client's side before the server has judged our certificate, so its alert (or
    // a reset) can only arrive after secureConnect: still a handshake failure, not a broken transfer.
    const handshake = !secured || /ALERT/.test(String((error as { code?: unknown }).code ?? ''));
    finish(handshake ? tlsError(context, error) : transportError(context, request, error));
  });
  socket.once('secureConnect', () => {
    secured = true;
    send(socket, request, finish);
  });
  return socket;
}

function send(socket: tls.TLSSocket, request: ChannelRequest, finish: Finish): void {
  const { context } = request;
  const headers: Record<string, string> = { ...request.headers, Host: context.address };
  if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
  const outgoing = http.request({
    method: request.method,
    path: request.path,
    headers,
    // No agent: with createConnection and no agent, node:http uses exactly this socket (agent: false would not).
    createConnection: () => socket,
  });
  outgoing.on('error', (error) => finish(transportError(context, request, error)));
  outgoing.on('response', (response) => {
    const declared = Number(response.headers['content-length'] ?? 0);
    if (declared > request.maxResponseBytes) {
      finish(tooLargeError(context, request, request.maxResponseBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > request.maxResponseBytes) finish(tooLargeError(context, request, request.maxResponseBytes));
      else chunks.push(chunk);
    });
    response.on('error', (error) => finish(transportError(context, request, error)));
    response.on('end', () =>
      finish(undefined, {
        status: response.statusCode ?? 0,
        contentType: String(response.headers['content-type'] ?? ''),
        body: Buffer.concat(chunks),
      }),
    );
  });
  outgoing.end(request.body);
}

/** What a refused request may say, at most: a Status object is a few hundred bytes. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The body of a refused request (a non-2xx watch, a refused WebSocket upgrade), bounded, as JSON when it
 * parses and as text when not, handed to `done` exactly once: at the end, on an error or close, or as soon
 * as the bound is reached (the rest is not read).
 */
export function readErrorBody(response: http.IncomingMessage, done: (body: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON (a proxy's HTML page, plain text): quoted as text.
    }
    done(body);
  };
  response.on('data', (chunk: Buffer) => {
    if (size < MAX_ERROR_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_ERROR_BODY_BYTES - size));
    size += chunk.length;
    if (size >= MAX_ERROR_BODY_BYTES) {
      finish();
      response.destroy();
    }
  });
  response.on('end', finish);
  response.on('close', finish);
  response.on('error', finish);
}
