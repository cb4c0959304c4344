// The Ports page's HTTP server: 127.0.0.1 only, one random token per run in every path, the checks of
// http-policy.ts before any route, the page's files, two event streams (the agent's status through the
// one shared AgentFeed; the log) and two actions. Everything else is refused.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { ACTION_ROUTES, runAction } from './actions.js';
import { AgentFeed, systemUiClock, type UiClock } from './agent-feed.js';
import { checkRequest, clientErrorAnswer, SECURITY_HEADERS } from './http-policy.js';
import { followLog } from './log-stream.js';
import { refuseStream, SseClient, sseText } from './sse.js';
import { DEFAULT_WEB_DIR, PAGE_FILES, readPageFile } from './static-files.js';
import type { AgentLink } from './types.js';

export const MAX_EVENT_CLIENTS = 16;
/** Each /log stream holds a file, an fs.watch and a timer: as few as the tabs. */
export const MAX_LOG_CLIENTS = 16;
export const KEEPALIVE_MS = 15_000;

export interface UiServerOptions {
  link: AgentLink;
  /** The agent's log file (config/paths.ts agentLogFile). */
  logFile: string;
  /** 0 (default): any free port. */
  port?: number;
  webDir?: URL | string;
  clock?: UiClock;
  /** The page itself (`GET /<token>/`) was served: `tunnel ui` removes its redirect file then. */
  onPageLoaded?: () => void;
}

export interface UiServer {
  url: string;
  port: number;
  /** Open event and log streams now (tests: a closed tab stops its follow). */
  streams(): { events: number; logs: number };
  close(): Promise<void>;
}

function answer(response: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  response.end(body);
}

const text = (response: http.ServerResponse, status: number, message: string) =>
  answer(response, status, 'text/plain; charset=utf-8', `${message}\n`);

class PageServer {
  readonly token = randomBytes(24).toString('base64url');
  readonly events = new Set<SseClient>();
  readonly logs = new Set<() => void>();
  readonly feed: AgentFeed;
  // requireHostHeader off: an HTTP/1.1 request without a Host is refused by checkRequest (403, with the
  // security headers), not by Node's bare 400.
  readonly server = http.createServer({ requireHostHeader: false }, (request, response) =>
    this.serve(request, response),
  );
  port = 0;
  private keepalive: unknown;
  private statusText: string | undefined;

  constructor(
    private readonly options: UiServerOptions,
    private readonly clock: UiClock,
  ) {
    // Serialised once per update, not once per tab; the latest status text is also what a new tab gets.
    const broadcast = (kind: 'agent' | 'status') => (event: unknown) => {
      const text = sseText(kind, event);
      if (kind === 'status') this.statusText = text;
      for (const client of this.events) client.sendText(kind, text);
    };
    this.server.on('clientError', answerClientError);
    this.feed = new AgentFeed({
      link: options.link,
      clock,
      onAgent: broadcast('agent'),
      onStatus: broadcast('status'),
    });
  }

  async start(): Promise<void> {
    await listen(this.server, this.options.port ?? 0);
    this.port = (this.server.address() as AddressInfo).port;
    this.beat();
    this.feed.start();
  }

  async close(): Promise<void> {
    this.clock.clearTimeout(this.keepalive);
    this.feed.stop();
    for (const stop of [...this.logs]) stop();
    for (const client of this.events) client.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections(); // Event streams never end on their own.
    await closed;
  }

  private beat(): void {
    this.keepalive = this.clock.setTimeout(() => {
      for (const client of this.events) client.keepalive();
      this.beat();
    }, KEEPALIVE_MS);
  }

  private serve(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.route(request, response).catch((error: unknown) => {
      if (!response.headersSent) text(response, 500, `the page server failed: ${String(error)}`);
      else response.destroy();
    });
  }

  private async route(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const verdict = checkRequest(request, { port: this.port, token: this.token });
    if (!verdict.ok) return text(response, verdict.status, verdict.message);
    const { method, route } = verdict;
    const action = ACTION_ROUTES.get(route);
    if (action !== undefined) {
      if (method !== 'POST') return text(response, 405, 'an action takes a POST');
      const outcome = await runAction(action, request, this.options.link);
      return answer(response, outcome.status, 'application/json', JSON.stringify(outcome.reply));
    }
    if (route !== 'events' && route !== 'log' && !PAGE_FILES.has(route))
      return text(response, 404, 'not found');
    if (method !== 'GET') return text(response, 405, `${route || 'the page'} takes a GET`);
    if (route === 'events') return this.followEvents(response);
    if (route === 'log') return this.followLog(response);
    const file = await readPageFile(this.options.webDir ?? DEFAULT_WEB_DIR, route);
    if (!file) return text(response, 404, 'not found');
    if (!file.ok) return text(response, 500, file.message);
    answer(response, 200, file.type, file.body);
    if (route === '') this.options.onPageLoaded?.();
  }

  private followEvents(response: http.ServerResponse): void {
    if (this.events.size >= MAX_EVENT_CLIENTS) {
      refuseStream(response, {
        message: `${MAX_EVENT_CLIENTS} tabs already follow this page`,
        hint: 'close one of them, then reload this one',
      });
      return;
    }
    const client = new SseClient(response);
    this.events.add(client);
    response.on('close', () => this.events.delete(client));
    client.send('agent', this.feed.agent);
    if (this.statusText !== undefined) client.sendText('status', this.statusText);
  }

  private followLog(response: http.ServerResponse): void {
    if (this.logs.size >= MAX_LOG_CLIENTS) {
      refuseStream(response, {
        message: `${MAX_LOG_CLIENTS} tabs already follow the agent's log`,
        hint: 'turn "Follow the log" off in one of them, then on again in this one',
      });
      return;
    }
    const client = new SseClient(response);
    const stop = followLog(client, { file: this.options.logFile, clock: this.clock }, () =>
      this.logs.delete(stop),
    );
    this.logs.add(stop);
    response.on('close', stop);
  }
}

export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const page = new PageServer(options, options.clock ?? systemUiClock);
  await page.start();
  return {
    url: `http://127.0.0.1:${page.port}/${page.token}/`,
    port: page.port,
    streams: () => ({ events: page.events.size, logs: page.logs.size }),
    close: () => page.close(),
  };
}

/**
 * A request Node cannot parse (a malformed header line, headers too large, a timeout) is answered here
 * rather than by Node's bare default, so that answer too carries the security headers.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Nothing to answer on a connection that is gone, or that has carried bytes of an answer already: one
  // may be under way (an event stream), and a refusal written into it would corrupt it.
  if (error.code === 'ECONNRESET' || !socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorAnswer(error.code));
}

function listen(server: http.Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') return reject(error);
      const why = error.code === 'EADDRINUSE' ? 'is in use' : 'needs privileges';
      reject(
        new TunnelError('BAD_INPUT', `port ${port} on 127.0.0.1 ${why}`, {
          hint: 'choose another with --port <n>, or leave --port out to take any free one',
          cause: error,
        }),
      );
    });
    server.listen({ host: '127.0.0.1', port }, () => resolve());
  });
}
