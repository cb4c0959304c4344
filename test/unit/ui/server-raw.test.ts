// The page server's doors against requests written byte by byte on a raw socket, as no browser or
// HTTP client would send them: what Node's parser refuses, and headers repeated.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../../src/ui/http-policy.js';
import type { UiServer } from '../../../src/ui/server.js';
import {
  type fakeLink,
  type fixtureDirs,
  fixtureServer,
  rawHeaders,
  rawRequest,
  request,
} from './ui-helpers.js';

let server: UiServer;
let dirs: ReturnType<typeof fixtureDirs>;
let agent: ReturnType<typeof fakeLink>;
let token: string;

beforeEach(async () => {
  ({ server, dirs, agent, token } = await fixtureServer());
});

afterEach(async () => {
  await server.close();
  dirs.cleanup();
});

describe('requests Node itself refuses, written byte by byte', () => {
  it('answer 400 (431 for oversized headers) with the security headers, and the server goes on; no Host is a 403', async () => {
    const host = `Host: 127.0.0.1:${server.port}`;
    const cases: Array<[string, string]> = [
      // HTTP/1.1 without a Host: Node would answer it bare; the Host check does.
      [`GET /${token}/ HTTP/1.1\r\n\r\n`, 'HTTP/1.1 403 Forbidden'],
      [`GET /${token}/ HTTP/1.1\r\n${host}\r\nno colon here\r\n\r\n`, 'HTTP/1.1 400 Bad Request'],
      [
        `GET /${token}/ HTTP/1.1\r\n${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        'HTTP/1.1 431 Request Header Fields Too Large',
      ],
    ];
    for (const [sent, statusLine] of cases) {
      const answer = await rawRequest(server.port, sent);
      expect(answer.split('\r\n')[0], sent.slice(0, 40)).toBe(statusLine);
      const headers = rawHeaders(answer);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(headers[name.toLowerCase()]).toBe(value);
    }
    expect((await request(server.port, { path: `/${token}/` })).status).toBe(200);
  });

  it('refuses a POST with a repeated Origin or Sec-Fetch-Site, even one naming us twice', async () => {
    agent.startAgent();
    const body = JSON.stringify({ host: 'devbox' });
    const ours = `http://127.0.0.1:${server.port}`;
    const postWith = (lines: string[]) =>
      rawRequest(
        server.port,
        [
          `POST /${token}/api/reconnect HTTP/1.1`,
          `Host: 127.0.0.1:${server.port}`,
          'Content-Type: application/json',
          `Content-Length: ${body.length}`,
          'Connection: close',
          ...lines,
          '',
          body,
        ].join('\r\n'),
      );
    const statusOf = (answer: string) => answer.split('\r\n')[0];
    // Node joins a repeated header with ", ": the joined value is never our origin.
    expect(statusOf(await postWith([`Origin: ${ours}`, `Origin: ${ours}`]))).toBe('HTTP/1.1 403 Forbidden');
    expect(statusOf(await postWith(['Sec-Fetch-Site: same-origin', 'Sec-Fetch-Site: same-origin']))).toBe(
      'HTTP/1.1 403 Forbidden',
    );
    expect(agent.calls).toEqual([]);
    expect(statusOf(await postWith([`Origin: ${ours}`, 'Sec-Fetch-Site: same-origin']))).toBe(
      'HTTP/1.1 200 OK',
    );
    expect(agent.calls).toEqual(['reconnect devbox']);
  });
});
