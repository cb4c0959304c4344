// A stand-in for `tunnel ui`'s server, for the page's browser tests: web/ under a fake token path with
// the real server's security headers (so the page runs under the same CSP), event streams the test
// scripts (the latest agent/status event replayed to a new client, as the real server does), and the
// actions recorded. It checks nothing else: the real server's own rules are tested with it (src/ui).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from '../../src/ui/http-policy.js';
import { PAGE_FILES } from '../../src/ui/static-files.js';
import type { ActionReply, AgentEvent, LogLineEvent, RefusedEvent, StatusEvent } from '../../src/ui/types.js';

export type { RefusedEvent };

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web');
/** The page's files and headers exactly as the real server has them: the page is tested under its CSP. */
export const HEADERS = SECURITY_HEADERS;

export interface RecordedPost {
  path: string;
  contentType: string | undefined;
  body: unknown;
}

export interface FixtureServer {
  /** The page's URL, http://127.0.0.1:<port>/<token>/. */
  url: string;
  posts: RecordedPost[];
  agent(event: AgentEvent): void;
  status(event: StatusEvent): void;
  log(lines: LogLineEvent[]): void;
  /** Clients on /events and /log now. */
  clients(): { events: number; log: number };
  /** GET /events requests answered so far (a page that gave up asks no more). */
  eventRequests(): number;
  /** While set, /events turns each new tab away as the real server does past its tab cap. */
  refusing: RefusedEvent | null;
  /** Ends every event stream and answers 503 to the page's retries: tunnel ui has gone. */
  stopEvents(): void;
  /** Forgets the scripted state and the posts; serves events again. */
  reset(): void;
  /** What the actions answer. */
  reply: ActionReply;
  close(): Promise<void>;
}

export async function startFixtureServer(token = 'fake-token-for-the-page-tests'): Promise<FixtureServer> {
  const streams = { events: new Set<http.ServerResponse>(), log: new Set<http.ServerResponse>() };
  const last: { agent?: AgentEvent; status?: StatusEvent } = {};
  let stopped = false;
  let eventRequests = 0;
  const fixture: FixtureServer = {
    url: '',
    posts: [],
    refusing: null,
    eventRequests: () => eventRequests,
    reply: { ok: true, message: 'done' },
    agent: (event) => {
      last.agent = event;
      broadcast('agent', event);
    },
    status: (event) => {
      last.status = event;
      broadcast('status', event);
    },
    log: (lines) => {
      for (const res of streams.log) res.write(frame('log', { lines }));
    },
    clients: () => ({ events: streams.events.size, log: streams.log.size }),
    stopEvents: () => {
      stopped = true;
      for (const res of streams.events) res.end();
    },
    reset: () => {
      stopped = false;
      fixture.refusing = null;
      eventRequests = 0;
      fixture.posts.length = 0;
      delete last.agent;
      delete last.status;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of [...streams.events, ...streams.log]) res.end();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const broadcast = (event: string, data: unknown) => {
    for (const res of streams.events) res.write(frame(event, data));
  };

  const stream = (res: http.ServerResponse, set: Set<http.ServerResponse>) => {
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream' });
    res.write('retry: 200\n\n');
    set.add(res);
    res.on('close', () => set.delete(res));
  };

  const server = http.createServer((req, res) => {
    const prefix = `/${token}/`;
    const route = req.url?.startsWith(prefix) ? req.url.slice(prefix.length) : undefined;
    if (route === 'events') {
      eventRequests += 1;
      if (stopped) return void res.writeHead(503, HEADERS).end();
      if (fixture.refusing) {
        // The real server past its tab cap: a 200 stream (an EventSource cannot read a 503's body), a
        // long retry, one `refused` event, the end.
        res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream' });
        return void res.end(`retry: 60000\n\n${frame('refused', fixture.refusing)}`);
      }
      stream(res, streams.events);
      if (last.agent) res.write(frame('agent', last.agent));
      if (last.status) res.write(frame('status', last.status));
      return;
    }
    if (route === 'log') return stream(res, streams.log);
    if (req.method === 'POST' && route?.startsWith('api/')) {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        fixture.posts.push({ path: route, contentType: req.headers['content-type'], body: JSON.parse(body) });
        res
          .writeHead(200, { ...HEADERS, 'Content-Type': 'application/json' })
          .end(JSON.stringify(fixture.reply));
      });
      return;
    }
    const page = route === undefined ? undefined : PAGE_FILES.get(route);
    if (req.method !== 'GET' || !page) return void res.writeHead(404, HEADERS).end();
    res
      .writeHead(200, { ...HEADERS, 'Content-Type': page.type })
      .end(fs.readFileSync(path.join(WEB, page.file)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${token}/`;
  return fixture;
}
