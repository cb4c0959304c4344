// A Kubernetes watch (GET <list path>?watch=1…) over a fresh SSH channel: TLS exactly as every API call
// (connectTls), HTTP/1.1 by node:http (which undoes the chunking), then newline-delimited JSON events handed
// to a callback as they come. The stream is the cluster's to write, so each line is bounded and each event
// checked; the server ends it after timeoutSeconds, which resolves the watch (the caller watches again).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import { VERSION } from '../version.js';
import type { ApiChannel } from './api.js';
import { type ApiRequest, statusError, timeoutError, tlsError, transportError } from './api-errors.js';
import { connectTls, readErrorBody } from './https-channel.js';
import { unexpected } from './types.js';
import { parseWatchEvent, type WatchEvent } from './watch-event.js';

export interface WatchOptions {
  channel: ApiChannel;
  /** The list to watch, e.g. /api/v1/services. */
  path: string;
  /** From the list (or the last event): the watch sends what changed after it. */
  resourceVersion: string;
  onEvent: (event: WatchEvent) => void;
  /** Aborting ends the watch; the promise then resolves. */
  signal: AbortSignal;
  /** The server ends the stream after this long; default 300. */
  timeoutSeconds?: number;
  /** Until the response headers arrive (channel, TLS and the API's answer); default 20 s. */
  connectTimeoutMs?: number;
  /** Per event line; default 1 MiB (a Service or Node is a few KiB). */
  maxLineBytes?: number;
}

export type WatchFunction = (options: WatchOptions) => Promise<void>;

export function watchPath(
  options: Pick<WatchOptions, 'path' | 'resourceVersion' | 'timeoutSeconds'>,
): string {
  const query = [
    'watch=1',
    `resourceVersion=${encodeURIComponent(options.resourceVersion)}`,
    'allowWatchBookmarks=true',
    `timeoutSeconds=${options.timeoutSeconds ?? 300}`,
  ];
  return `${options.path}?${query.join('&')}`;
}

/** Resolves when the server ends the stream or the signal aborts; rejects with a TunnelError otherwise. */
export function watch(options: WatchOptions): Promise<void> {
  const { channel, signal } = options;
  const request: ApiRequest = { method: 'GET', path: watchPath(options) };
  return new Promise((resolve, reject) => {
    let settled = false;
    let opened: Duplex | undefined;
    let socket: tls.TLSSocket | undefined;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timers.connect);
      clearTimeout(timers.stream);
      signal.removeEventListener('abort', onAbort);
      socket?.destroy();
      opened?.destroy();
      if (error) reject(error);
      else resolve();
    };
    const onAbort = () => finish();
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', onAbort, { once: true });
    const connectMs = options.connectTimeoutMs ?? 20_000;
    const timers = {
      connect: setTimeout(() => finish(timeoutError(channel.context, request, connectMs)), connectMs),
      stream: undefined as NodeJS.Timeout | undefined,
    };
    const stream: Stream = {
      options,
      request,
      finish,
      // The server promised to end it after timeoutSeconds: a silent stream past that (and a margin) is dead.
      started: () => {
        clearTimeout(timers.connect);
        const limitMs = ((options.timeoutSeconds ?? 300) + 30) * 1000;
        timers.stream = setTimeout(() => finish(timeoutError(channel.context, request, limitMs)), limitMs);
      },
    };
    channel.open().then(
      (duplex) => {
        opened = duplex;
        if (settled) return duplex.destroy();
        socket = secure(duplex, stream);
      },
      (error: unknown) => finish(tlsError(channel.context, error)),
    );
  });
}

interface Stream {
  options: WatchOptions;
  request: ApiRequest;
  finish: (error?: Error) => void;
  started: () => void;
}

function secure(duplex: Duplex, stream: Stream): tls.TLSSocket {
  const { context, credentials } = stream.options.channel;
  let secured = false;
  const socket = connectTls(duplex, credentials);
  socket.on('error', (error) => {
    const handshake = !secured || /ALERT/.test(String((error as { code?: unknown }).code ?? ''));
    stream.finish(handshake ? tlsError(context, error) : transportError(context, stream.request, error));
  });
  socket.once('secureConnect', () => {
    secured = true;
    send(socket, stream);
  });
  return socket;
}

function send(socket: tls.TLSSocket, stream: Stream): void {
  const { context } = stream.options.channel;
  const { request, finish } = stream;
  const outgoing = http.request({
    method: request.method,
    path: request.path,
    headers: { Accept: 'application/json', 'User-Agent': `tunnel/${VERSION}`, Host: context.address },
    createConnection: () => socket,
  });
  outgoing.on('error', (error) => finish(transportError(context, request, error)));
  outgoing.on('response', (response) => {
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) return readError(response, stream, status);
    stream.started();
    const lines = lineReader(stream);
    let ended = false;
    response.on('data', lines);
    response.on('error', (error) => finish(transportError(context, request, error)));
    response.on('end', () => {
      ended = true;
      finish();
    });
    response.on('close', () => {
      if (!ended) finish(transportError(context, request, new Error('the stream ended mid-response')));
    });
  });
  outgoing.end();
}

/** A non-2xx answer: its body (bounded) becomes the same error as any other API call's. */
function readError(response: http.IncomingMessage, stream: Stream, status: number): void {
  readErrorBody(response, (body) =>
    stream.finish(statusError(stream.options.channel.context, stream.request, status, body)),
  );
}

/** Splits the body into lines (bounded), parses each as an event and delivers it. */
function lineReader(stream: Stream): (chunk: Buffer) => void {
  const { options, finish } = stream;
  const max = options.maxLineBytes ?? 1024 * 1024;
  let pending: Buffer[] = [];
  let pendingSize = 0;
  return (chunk) => {
    let start = 0;
    for (let end = chunk.indexOf(10); end >= 0; end = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...pending, chunk.subarray(start, end)]);
      pending = [];
      pendingSize = 0;
      start = end + 1;
      if (line.length > max) return finish(lineTooLong(stream, max));
      if (!deliver(line, stream)) return;
    }
    pending.push(chunk.subarray(start));
    pendingSize += chunk.length - start;
    if (pendingSize > max) finish(lineTooLong(stream, max));
  };
}

function deliver(line: Buffer, stream: Stream): boolean {
  const text = line.toString('utf8').trim();
  if (text === '') return true;
  try {
    stream.options.onEvent(parseWatchEvent(JSON.parse(text)));
    return true;
  } catch (error) {
    const cause =
      error instanceof SyntaxError
        ? unexpected(`a watch line that is not JSON: ${JSON.stringify(remoteText(text, 80))}`)
        : (error as Error);
    stream.finish(cause);
    return false;
  }
}

function lineTooLong(stream: Stream, max: number): TunnelError {
  const { context } = stream.options.channel;
  return new TunnelError(
    'KUBE_API',
    `The Kubernetes API of cluster ${JSON.stringify(context.cluster)} sent a watch event longer than ${max} bytes on ${stream.request.path}; tunnel stopped reading it.`,
    {
      hint: `A Service or Node is a few KiB; something on ${context.address} on ${context.host} is not behaving like an API server. Check: tunnel clusters ${context.host}`,
    },
  );
}
