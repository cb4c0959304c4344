// The page server's doors, through real loopback HTTP with exact headers: the token, the Host, the
// Origin of a POST, the methods, the headers on every answer, and the actions' JSON.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { SECURITY_HEADERS } from '../../../src/ui/http-policy.js';
import type { UiServer } from '../../../src/ui/server.js';
import { type fakeLink, type fixtureDirs, fixtureServer, type Reply, request } from './ui-helpers.js';

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

function expectSecurityHeaders(reply: Reply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS))
    expect(reply.headers[name.toLowerCase()]).toBe(value);
  expect(reply.headers['access-control-allow-origin']).toBeUndefined();
}

const post = (route: string, body: string, headers: Record<string, string> = {}) =>
  request(server.port, {
    method: 'POST',
    path: `/${token}/${route}`,
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

describe('the page server refuses what is not the page', () => {
  it('serves the page at /<token>/ on 127.0.0.1 and localhost, with the CSP and the other headers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
    const page = await request(server.port, { path: `/${token}/` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('stand-in');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(page);
    const script = await request(server.port, {
      path: `/${token}/app.js`,
      headers: { host: `localhost:${server.port}` },
    });
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 without the token, with a wrong one, or one a character short, saying nothing of why', async () => {
    for (const path of [
      '/',
      '/index.html',
      `/${'A'.repeat(32)}/`,
      `/${token.slice(0, -1)}/`,
      `/${token}`,
      `/${token}x/events`,
    ]) {
      const reply = await request(server.port, { path });
      expect(reply.status, path).toBe(404);
      expect(reply.body).toBe('not found\n');
      expectSecurityHeaders(reply);
    }
  });

  it('refuses a foreign Host (DNS rebinding) with 403, even with the right token', async () => {
    for (const host of [
      `evil.example:${server.port}`,
      `127.0.0.1.nip.io:${server.port}`,
      '127.0.0.1',
      `127.0.0.1:${server.port + 1}`,
    ]) {
      const reply = await request(server.port, { path: `/${token}/`, headers: { host } });
      expect(reply.status, host).toBe(403);
      expectSecurityHeaders(reply);
    }
  });

  it('refuses a POST from another site: a cross Origin, or Sec-Fetch-Site cross-site', async () => {
    agent.startAgent();
    const body = JSON.stringify({ host: 'devbox' });
    const crossSite: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: `http://127.0.0.1.nip.io:${server.port}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of crossSite) {
      const reply = await post('api/reconnect', body, headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      expectSecurityHeaders(reply);
    }
    expect(agent.calls).toEqual([]);
  });

  it('answers 405 to a GET on an action and to OPTIONS, never with an Access-Control header', async () => {
    const get = await request(server.port, { path: `/${token}/api/reconnect` });
    expect(get.status).toBe(405);
    const options = await request(server.port, {
      method: 'OPTIONS',
      path: `/${token}/api/reconnect`,
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(options.status).toBe(405);
    expectSecurityHeaders(options);
    expect(Object.keys(options.headers).filter((name) => name.startsWith('access-control'))).toEqual([]);
    const put = await request(server.port, { method: 'PUT', path: `/${token}/` });
    expect(put.status).toBe(405);
    const unknown = await request(server.port, { path: `/${token}/../package.json` });
    expect(unknown.status).toBe(404);
  });

  it('answers 404 to names every JavaScript object has, by GET and by POST, and calls no action', async () => {
    agent.startAgent();
    const sameOrigin = { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' };
    const body = JSON.stringify({ host: 'devbox' });
    for (const name of [
      'constructor',
      '__proto__',
      'toString',
      'hasOwnProperty',
      'valueOf',
      'api/constructor',
    ]) {
      const get = await request(server.port, { path: `/${token}/${name}` });
      expect(get.status, `GET ${name}`).toBe(404);
      expect(get.body).toBe('not found\n');
      const posted = await post(name, body, sameOrigin);
      expect(posted.status, `POST ${name}`).toBe(404);
      expectSecurityHeaders(posted);
    }
    expect(agent.calls).toEqual([]);
  });

  it('answers 500 with a clear message when a page file is missing, and keeps serving', async () => {
    const reply = await request(server.port, { path: `/${token}/app.css` });
    expect(reply.status).toBe(500);
    expect(reply.body).toMatch(/app\.css is missing or unreadable \(ENOENT\).*reinstall/);
    expectSecurityHeaders(reply);
    expect((await request(server.port, { path: `/${token}/` })).status).toBe(200);
  });
});

describe('the actions', () => {
  it('call the link with the host from a same-origin POST and answer ok', async () => {
    const headers = { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' };
    const reconnect = await post('api/reconnect', JSON.stringify({ host: 'devbox' }), headers);
    expect(reconnect.status).toBe(200);
    expect(JSON.parse(reconnect.body)).toEqual({
      ok: true,
      message: 'devbox: reading its clusters again now',
    });
    expectSecurityHeaders(reconnect);
    const disconnect = await post('api/disconnect', JSON.stringify({ host: 'gpu-box' }), {
      origin: `http://localhost:${server.port}`,
    });
    expect(JSON.parse(disconnect.body)).toMatchObject({ ok: true });
    expect(agent.calls).toEqual(['reconnect devbox', 'disconnect gpu-box']);
  });

  it('map the agent refusing to JSON with its message and hint', async () => {
    agent.state.failure = new TunnelError('STATE', 'no session for devbox', {
      hint: 'run `tunnel connect devbox`',
    });
    const reply = await post('api/reconnect', JSON.stringify({ host: 'devbox' }));
    expect(reply.status).toBe(409);
    expect(JSON.parse(reply.body)).toEqual({
      ok: false,
      message: 'no session for devbox',
      hint: 'run `tunnel connect devbox`',
    });
    agent.state.failure = new TunnelError('AGENT', 'no tunnel agent is running', {
      hint: 'run `tunnel connect <host>`',
    });
    expect((await post('api/disconnect', JSON.stringify({ host: 'devbox' }))).status).toBe(503);
    // As docs/ui.md lists them: a bad host name is the request's fault too; any other failure of the
    // agent 502, and a failure that is not ours to explain 500.
    const statusFor = async (error: Error) => {
      agent.state.failure = error;
      return (await post('api/reconnect', JSON.stringify({ host: 'devbox' }))).status;
    };
    expect(await statusFor(new TunnelError('BAD_INPUT', 'not an ssh alias'))).toBe(409);
    expect(await statusFor(new TunnelError('PROTOCOL', 'the agent answered nonsense'))).toBe(502);
    expect(await statusFor(new Error('boom'))).toBe(500);
  });

  it('refuse a body that is not JSON, not {host}, too large, or sent as a form', async () => {
    expect((await post('api/reconnect', 'host=devbox')).status).toBe(400);
    expect((await post('api/reconnect', JSON.stringify({ host: 'dev box' }))).status).toBe(400);
    expect((await post('api/reconnect', JSON.stringify({ host: 'x', pad: 'y'.repeat(5000) }))).status).toBe(
      413,
    );
    const form = await post('api/reconnect', JSON.stringify({ host: 'devbox' }), {
      'content-type': 'text/plain',
    });
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body)).toMatchObject({ ok: false, hint: 'send Content-Type: application/json' });
    expect(agent.calls).toEqual([]);
  });
});
