// The page server under a real Chromium, with a stand-in page (the real one is web/'s, tested in
// ui-page.test.ts): the CSP and the checks let the page's own EventSource and same-origin POST through,
// and the browser reaches the page only through its token URL.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_EVENT_CLIENTS, startUiServer, type UiServer } from '../../src/ui/server.js';
import { documentWith, fakeLink, fixtureDirs, openStream } from '../unit/ui/ui-helpers.js';
import { type Chromium, launchChromium } from './ui-helpers.js';

// The stand-in: what the real page does with the server, in a few lines (no inline script: the CSP).
const APP_JS = `
const out = (id, text) => { document.getElementById(id).textContent = text; };
const events = new EventSource('events');
events.addEventListener('agent', (e) => out('agent', JSON.parse(e.data).state));
events.addEventListener('status', (e) => out('host', JSON.parse(e.data).document.sessions[0].host));
events.addEventListener('refused', (e) => {
  events.close();
  out('agent', 'refused: ' + JSON.parse(e.data).message);
});
document.getElementById('go').addEventListener('click', async () => {
  const reply = await fetch('api/reconnect', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ host: 'devbox' }),
  });
  out('action', reply.status + ' ' + (await reply.json()).message);
});
`;
const INDEX = `<!doctype html><meta charset="utf-8"><title>stand-in</title>
<p id="agent">-</p><p id="host">-</p><p id="action">-</p><button id="go">go</button>
<script type="module" src="app.js"></script>`;

let chromium: Chromium;
let browser: Browser;
let server: UiServer;
let dirs: ReturnType<typeof fixtureDirs>;
const agent = fakeLink();

beforeAll(async () => {
  dirs = fixtureDirs();
  fs.writeFileSync(path.join(dirs.web, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dirs.web, 'app.js'), APP_JS);
  agent.startAgent();
  server = await startUiServer({ link: agent.link, logFile: dirs.logFile, webDir: dirs.web });
  chromium = await launchChromium();
  browser = chromium.browser;
});

afterAll(async () => {
  await chromium?.close();
  await server?.close();
  dirs?.cleanup();
});

describe('the page server in Chromium', () => {
  it('lets the page follow its events and POST an action, with nothing blocked by the CSP', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused/.test(message.text())) violations.push(message.text());
    });
    await page.goto(server.url);
    await page.waitForFunction(() => document.getElementById('agent')?.textContent === 'up');
    await page.waitForFunction(() => document.getElementById('host')?.textContent === 'devbox');
    agent.push({ seq: 2, document: documentWith('gpu-box') });
    await page.waitForFunction(() => document.getElementById('host')?.textContent === 'gpu-box');
    await page.click('#go');
    await page.waitForFunction(() => document.getElementById('action')?.textContent !== '-');
    expect(await page.textContent('#action')).toBe('200 devbox: reading its clusters again now');
    expect(agent.calls).toEqual(['reconnect devbox']);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('refuses an action another site sends through the browser, even one that knows the token', async () => {
    const other = http.createServer((_request, response) =>
      response.end('<!doctype html><title>other</title>'),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const before = agent.calls.length;
      const statuses = await page.evaluate(async (url) => {
        const body = JSON.stringify({ host: 'devbox' });
        const attempt = (init: RequestInit) =>
          fetch(`${url}api/disconnect`, { method: 'POST', body, ...init }).then(
            (reply) => `${reply.type} ${reply.status}`,
            () => 'failed',
          );
        // A "simple" request needs no preflight: the only kind another site could send blind.
        const simple = await attempt({ mode: 'no-cors' });
        const json = await attempt({ headers: { 'Content-Type': 'application/json' } });
        return [simple, json];
      }, server.url);
      // The simple one reaches the server and is refused (its answer unreadable: opaque, or blocked by
      // Cross-Origin-Resource-Policy); the JSON one dies at its preflight (no CORS, OPTIONS is 405).
      expect(['opaque 0', 'failed']).toContain(statuses[0]);
      expect(statuses[1]).toBe('failed');
      expect(agent.calls.length).toBe(before);
      await page.close();
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });

  it(`tells a tab past the ${MAX_EVENT_CLIENTS} that follow the page why, in an event the browser reads`, async () => {
    // Filled from Node: one browser opens at most 6 HTTP/1.1 connections to a host.
    const token = new URL(server.url).pathname.split('/')[1]!;
    while (server.streams().events > 0) await new Promise((resolve) => setTimeout(resolve, 10)); // tabs closed
    const others = Array.from({ length: MAX_EVENT_CLIENTS }, () =>
      openStream(server.port, `/${token}/events`),
    );
    try {
      await Promise.all(others.map((other) => other.until((events) => events.length >= 1)));
      expect(others.map((other) => other.events[0]!.event)).toEqual(others.map(() => 'agent'));
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('agent')?.textContent?.startsWith('refused'));
      expect(await page.textContent('#agent')).toBe(
        `refused: ${MAX_EVENT_CLIENTS} tabs already follow this page`,
      );
      await page.close();
    } finally {
      for (const other of others) other.close();
    }
  });

  it('shows nothing of the page at localhost without the token', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://localhost:${server.port}/`);
    expect(response?.status()).toBe(404);
    await page.close();
  });
});
