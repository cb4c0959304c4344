// The Ports page in a real browser (Debian's chromium, driven by playwright-core) against a fixture
// server that serves web/ with the real CSP and scripts its event streams: what a user sees and what
// the buttons send. The real `tunnel ui` server and agent are tested elsewhere.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionStatus, StatusDocument } from '../../src/control/status-document.js';
import { forwardStatus, sessionStatus } from '../builders.js';
import { type FixtureServer, startFixtureServer } from './ui-fixture-server.js';
import { type Chromium, launchChromium } from './ui-helpers.js';

let chromium: Chromium;
let browser: Browser;
let fixture: FixtureServer;
let context: BrowserContext;
let page: Page;
let seq = 0;
const problems: string[] = [];

const UP = { state: 'up', since: '2026-01-01T10:00:00.000Z', pid: 4242, version: '0.1.0' } as const;
const grafana = { namespace: 'monitoring', name: 'grafana', port: 3000, portName: 'http' };

function doc(sessions: SessionStatus[]): StatusDocument {
  const agent = { pid: 4242, version: '0.1.0', startedAt: '', socketPath: '', logFile: '' };
  return { schemaVersion: 1, agent, sessions };
}
function sendStatus(sessions: SessionStatus[]) {
  seq += 1;
  fixture.status({ seq, document: doc(sessions) });
}
/** devserver forwarding my-app: the API, a mapped port and grafana through a node. */
function forwarding(overrides: Partial<SessionStatus> = {}, bytesIn = 0): SessionStatus {
  return sessionStatus({
    clusters: [
      {
        name: 'my-app',
        context: 'k3d-my-app@devserver',
        forwards: [
          forwardStatus({ kind: 'api', localPort: 16443, remotePort: 16443, nodePort: 6443 }),
          forwardStatus({ localPort: 18080, bytesIn, remapped: { from: 8080, reason: 'busy' } }),
          forwardStatus({
            id: 'my-app/service/monitoring/grafana:3000',
            localPort: 3000,
            remoteHost: '172.20.0.3',
            remotePort: 31742,
            nodePort: null,
            service: grafana,
            via: { kind: 'node', node: 'k3d-my-app-server-0', address: '172.20.0.3' },
          }),
        ],
      },
    ],
    ...overrides,
  });
}

async function open(colorScheme: 'light' | 'dark' = 'light') {
  context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  // A script error or anything the CSP blocked would be a page that half works: each test fails on one.
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
  await page.goto(fixture.url);
}
/** Waits for what the page shows (a 2-core machine shared by other suites can be slow to render). */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });
const text = (selector: string) => page.locator(selector).first().innerText();

beforeAll(async () => {
  fixture = await startFixtureServer();
  chromium = await launchChromium();
  browser = chromium.browser;
});
afterAll(async () => {
  await chromium?.close();
  await fixture?.close();
});
beforeEach(() => {
  fixture.reset();
  fixture.agent(UP);
  sendStatus([forwarding()]);
});
afterEach(async () => {
  await context?.close();
  expect(problems.splice(0)).toEqual([]);
});

describe('the Ports page', () => {
  it('shows each dev server with its state, and each forward with its local address as a link', async () => {
    await open();
    await page.locator('section.session h2', { hasText: 'devserver' }).waitFor();
    expect(await text('section.session .pill')).toContain('forwarding');
    expect(await page.title()).toBe('Ports · tunnel');
    expect(await text('section.session')).toContain('dev.example.com');
    const rows = page.locator('tr.fwd');
    expect(await rows.count()).toBe(2); // the API is the kubectl line, not a row
    const link = page.getByRole('link', { name: '127.0.0.1:18080' });
    expect(await link.getAttribute('href')).toBe('http://127.0.0.1:18080/');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await text('tr.fwd:nth-child(1)')).toContain('host port 8080 → nodePort 30080');
    expect(await text('tr.fwd:nth-child(1)')).toContain('local port 8080 was busy');
    const grafanaRow = page.locator('tr.fwd', { hasText: 'monitoring/grafana:3000' });
    expect(await grafanaRow.innerText()).toContain('node 172.20.0.3:31742');
    expect(await grafanaRow.getByRole('link').getAttribute('href')).toBe('http://127.0.0.1:3000/');
    expect(await text('.api code')).toBe('kubectl --context k3d-my-app@devserver get pods');
    expect(await text('.api')).toContain('API 127.0.0.1:16443');
    expect(await page.locator('#agent').innerText()).toBe('agent 0.1.0 · pid 4242');
  });

  it('shows hostile names as text: nothing they carry runs or becomes a link', async () => {
    const hostile = '<img src=x onerror="window.pwned=1">';
    sendStatus([
      sessionStatus({
        host: '<b>dev</b>',
        clusters: [
          {
            name: '<script>window.pwned=2</script>',
            context: "ctx'; touch /tmp/pwned",
            forwards: [
              forwardStatus({
                service: { namespace: 'javascript:alert(1)', name: hostile, port: 80, portName: null },
              }),
              forwardStatus({ id: 'x', localAddress: 'javascript:window.pwned=3//', lastError: hostile }),
            ],
          },
        ],
      }),
    ]);
    await open();
    await page.locator('section.session h2').waitFor();
    expect(await text('section.session h2')).toBe('<b>dev</b>');
    expect(await text('.cluster h3')).toBe('<script>window.pwned=2</script>');
    expect(await text('tr.fwd .reaches')).toBe(`javascript:alert(1)/${hostile}:80`);
    expect(await text('tr.err')).toBe(hostile);
    expect(await page.locator('#sessions img, #sessions script, #sessions b').count()).toBe(0);
    const hrefs = await page
      .locator('#sessions a')
      .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(['http://127.0.0.1:8080/']); // the javascript: address is shown, not linked
    expect(await page.locator('tr.fwd').nth(1).locator('.addr').innerText()).toBe(
      'javascript:window.pwned=3//:8080',
    );
    expect(await text('.api code')).toBe("kubectl --context 'ctx'\\''; touch /tmp/pwned' get pods");
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined();
  });

  it('updates in place on a new status event: bytes and the sparkline', async () => {
    await open();
    const row = page.locator('tr.fwd', { hasText: '18080' });
    await row.waitFor();
    expect(await row.innerText()).toContain('idle');
    const link = await row.getByRole('link').elementHandle();
    sendStatus([forwarding({}, 2 * 1024 * 1024)]);
    await poll(() => row.innerText()).toContain('2.0 MiB');
    expect(await row.innerText()).toMatch(/KiB\/s now, peak 2\.0 MiB\/s/);
    const heights = await row
      .locator('polyline')
      .evaluate((p) => (p.getAttribute('points') ?? '').split(' ').map((xy) => Number(xy.split(',')[1])));
    expect(Math.min(...heights)).toBeLessThan(5); // the last second is the peak, drawn at the top
    // the link under the pointer is the same element after the update (a click in progress lands)
    expect(await link?.evaluate((a) => a.isConnected)).toBe(true);
  });

  it('shows a reconnect: why, the attempt, and a countdown to the next one', async () => {
    sendStatus([
      forwarding({
        state: 'reconnecting',
        attempt: 3,
        connectedAt: null,
        nextAttemptAt: new Date(Date.now() + 30_000).toISOString(),
        lastError: {
          message: 'connection refused by dev.example.com:22',
          hint: 'is sshd running?',
          code: null,
          at: '',
        },
      }),
    ]);
    await open();
    const session = page.locator('section.session');
    await poll(() => session.locator('.pill').first().innerText()).toContain('reconnecting');
    expect(await session.locator('.detail').innerText()).toMatch(
      /^connection refused by dev\.example\.com:22 — attempt 3, next attempt in \d+ s/,
    );
    // the countdown moves on by itself, without a new status event
    const secondsLeft = async () =>
      Number(/in (\d+) s/.exec(await session.locator('.detail').innerText())?.[1]);
    const first = await secondsLeft();
    expect(first).toBeLessThanOrEqual(30);
    await poll(secondsLeft).toBeLessThan(first);
    expect(await session.locator('.hint').innerText()).toBe('is sshd running?');
    expect(await session.getAttribute('class')).toContain('tone-warn');
    expect(await page.title()).toBe('(1) Ports · tunnel');
  });

  it('says the agent is gone, with its hint, and greys the last document it had', async () => {
    await open();
    await page.locator('tr.fwd').first().waitFor();
    fixture.agent({
      state: 'gone',
      since: '',
      message: 'no agent answers on the control socket',
      hint: 'tunnel agent status',
    });
    await page.locator('#banner', { hasText: 'The agent is gone' }).waitFor();
    expect(await text('#banner')).toContain('no agent answers on the control socket');
    expect(await text('#banner code')).toBe('tunnel agent status');
    expect(await page.locator('#sessions').getAttribute('class')).toContain('stale');
    expect(await page.locator('tr.fwd').count()).toBe(2); // still shown
    fixture.agent(UP);
    await poll(() => page.locator('#banner').isHidden()).toBe(true);
    expect(await page.locator('#sessions').getAttribute('class')).not.toContain('stale');
  });

  it('posts the actions with the host as JSON; disconnect only after a confirmation', async () => {
    fixture.reply = { ok: true, message: 'devserver: clusters re-read' };
    await open();
    await page.getByRole('button', { name: 'Reconnect now' }).click();
    await page.locator('.notice', { hasText: 'devserver: clusters re-read' }).waitFor();
    expect(fixture.posts).toEqual([
      { path: 'api/reconnect', contentType: 'application/json', body: { host: 'devserver' } },
    ]);

    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Disconnect' }).click();
    expect(fixture.posts).toHaveLength(1);

    fixture.reply = { ok: false, message: 'no session for devserver', hint: 'tunnel status' };
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.locator('.notice', { hasText: 'no session for devserver — tunnel status' }).waitFor();
    expect(fixture.posts[1]).toEqual({
      path: 'api/disconnect',
      contentType: 'application/json',
      body: { host: 'devserver' },
    });
  });

  it('copies the kubectl line', async () => {
    await open();
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      'kubectl --context k3d-my-app@devserver get pods',
    );
  });

  it('follows the log into a bounded pane', async () => {
    await open();
    await page.getByRole('button', { name: 'Follow the log' }).click();
    await poll(() => fixture.clients().log).toBe(1);
    const line = (i: number) => ({
      time: null,
      level: 'info',
      host: 'devserver',
      message: `line ${i}`,
      fields: 'a=1',
    });
    fixture.log(Array.from({ length: 600 }, (_, i) => line(i)));
    await expect
      .poll(() => page.locator('#log-lines .line').last().innerText())
      .toContain('[devserver] line 599 a=1');
    expect(await page.locator('#log-lines .line').count()).toBe(500);
    const pane = page.locator('#log-lines');
    const atBottom = () => pane.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 8);
    expect(await atBottom()).toBe(true);
    // scrolled up to read: new lines do not pull the pane down; a hostile line is text
    await pane.evaluate((el) => {
      el.scrollTop = 0;
    });
    fixture.log([{ ...line(600), message: '<img src=x onerror="window.pwned=1">' }]);
    await poll(() => pane.locator('.line').last().innerText()).toContain('<img src=x');
    expect(await pane.evaluate((el) => el.scrollTop)).toBe(0);
    expect(await pane.locator('img').count()).toBe(0);
    await page.getByRole('button', { name: 'Follow the log' }).click();
    await poll(() => fixture.clients().log).toBe(0);
    expect(await page.locator('#log').isHidden()).toBe(true);
  });

  it.each(['light', 'dark'] as const)('renders in %s mode', async (scheme) => {
    await open(scheme);
    await page.locator('tr.fwd').first().waitFor();
    const [bg, fg] = await page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return [style.backgroundColor, style.color];
    });
    const luminance = (rgb: string) => {
      const [r = 0, g = 0, b = 0] = (rgb.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    if (scheme === 'dark') expect(luminance(bg)).toBeLessThan(0.2);
    else expect(luminance(bg)).toBeGreaterThan(0.8);
    expect(Math.abs(luminance(bg) - luminance(fg))).toBeGreaterThan(0.6); // text stays readable
  });

  it('says tunnel ui stopped when its event stream fails', async () => {
    await open();
    await page.locator('tr.fwd').first().waitFor();
    fixture.stopEvents();
    await page.locator('#banner', { hasText: 'tunnel ui stopped' }).waitFor({ timeout: 15_000 });
    expect(await text('#banner code')).toBe('run `tunnel ui` again');
    expect(await page.locator('tr.fwd').count()).toBe(2);
  });
});
