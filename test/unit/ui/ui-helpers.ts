// Shared by the page server's unit tests: a fake AgentLink the test drives, a fake clock, a fixture
// web directory with stand-in page files, and raw HTTP requests with exact headers over loopback.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { STATUS_SCHEMA_VERSION, type StatusDocument } from '../../../src/control/status-document.js';
import { startUiServer } from '../../../src/ui/server.js';
import type { AgentLink, AgentWatch, StatusEvent } from '../../../src/ui/types.js';
import { sessionStatus } from '../../builders.js';
import { fakeTimers } from '../../fake-timers.js';

/** The shared fake timers (the page server reads now and the timers). */
export const fakeClock = fakeTimers;

/** An AgentLink whose agent the test starts and stops; actions are recorded and may fail. */
export function fakeLink() {
  let running = false;
  let current: { push: (event: StatusEvent) => void; end: (error?: Error) => void } | undefined;
  const calls: string[] = [];
  const state = {
    watches: 0,
    failure: undefined as Error | undefined,
    refuse: undefined as Error | undefined,
  };
  const link: AgentLink = {
    async watch(onUpdate) {
      state.watches++;
      if (!running) return undefined;
      let end!: (error?: Error) => void;
      const ended = new Promise<void>((resolve, reject) => {
        end = (error) => (error ? reject(error) : resolve());
      });
      ended.catch(() => {});
      const watch: AgentWatch = { ended, cancel: () => end() };
      if (state.refuse) {
        // An older agent: it takes the connection, then answers the watch with an error, no update.
        const refusal = state.refuse;
        setImmediate(() => end(refusal));
        return { watch, pid: 4242, version: '0.0.1' };
      }
      current = { push: onUpdate, end };
      // As the agent does: the first update at once (after the request is on its way).
      setImmediate(() => onUpdate({ seq: 1, document: documentWith('devbox') }));
      return { watch, pid: 4242, version: '9.9.9' };
    },
    async reconnect(host) {
      calls.push(`reconnect ${host}`);
      if (state.failure) throw state.failure;
      return { refreshed: true };
    },
    async disconnect(host) {
      calls.push(`disconnect ${host}`);
      if (state.failure) throw state.failure;
    },
  };
  return {
    link,
    calls,
    state,
    startAgent: () => {
      running = true;
    },
    /** The agent goes away: its watch ends with the connection's error. */
    stopAgent: (error = new Error('the agent closed the control connection')) => {
      running = false;
      current?.end(error);
      current = undefined;
    },
    push: (event: StatusEvent) => current?.push(event),
  };
}

/** A status document with one session; padding makes it as large as a test needs. */
export function documentWith(host: string, padding = ''): StatusDocument {
  return {
    schemaVersion: STATUS_SCHEMA_VERSION,
    agent: { pid: 4242, version: '9.9.9', startedAt: '2026-12-05T08:00:00Z', socketPath: padding } as never,
    sessions: [sessionStatus({ host })],
  };
}

/** A temporary directory with stand-in page files (the real web/ is another part's work). */
/** A page server on a fake link and the fixture files, with its token (the test closes it and the dirs). */
export async function fixtureServer() {
  const dirs = fixtureDirs();
  const agent = fakeLink();
  const server = await startUiServer({
    link: agent.link,
    logFile: dirs.logFile,
    webDir: dirs.web,
    clock: fakeClock().clock,
  });
  const token = new URL(server.url).pathname.split('/')[1] as string;
  return { server, dirs, agent, token };
}

export function fixtureDirs() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-ui-'));
  const web = path.join(root, 'web');
  fs.mkdirSync(web);
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>stand-in</title>');
  fs.writeFileSync(path.join(web, 'app.js'), 'export {};\n');
  const logs = path.join(root, 'logs');
  fs.mkdirSync(logs);
  return {
    root,
    web,
    logFile: path.join(logs, 'agent.log'),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with exactly these headers (node adds none we did not give but Host, which we give). */
export function request(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { host: `127.0.0.1:${port}`, ...options.headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes written as they are (no client fixing them up); the whole answer, once the server closes. */
export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.end(text);
  });
}

/** The headers of a raw HTTP answer, names lower-cased. */
export function rawHeaders(answer: string): Record<string, string> {
  const head = answer.split('\r\n\r\n')[0]!.split('\r\n').slice(1);
  return Object.fromEntries(
    head.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** An event stream read as the browser reads it; close() ends the request. */
export function openStream(port: number, route: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const raw = { text: '' };
  let buffer = '';
  let response: http.IncomingMessage | undefined;
  const waiters: Array<() => void> = [];
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: route,
    headers: { host: `127.0.0.1:${port}`, ...headers },
    agent: false,
  });
  const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        raw.text += chunk;
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
        for (const wake of waiters.splice(0)) wake();
      });
      resolve(res);
    });
    req.on('error', reject);
  });
  req.end();
  const until = async (done: (events: SseEvent[]) => boolean) => {
    while (!done(events)) await new Promise<void>((resolve) => waiters.push(resolve));
    return events;
  };
  return {
    events,
    raw,
    opened,
    until,
    response: () => response,
    close: () => {
      req.destroy();
    },
  };
}
