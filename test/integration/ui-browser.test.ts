// The Ports page end to end (issue 15): the real `tunnel ui --no-open`, the real agent and session against
// the simulated dev server (services.json: the API, a Service through its host-port mapping, one through a
// node address), and Debian's Chromium. What a user sees: each forward with its link, the counters moving
// after traffic, a reconnect when sshd restarts, the agent going and coming back, the Disconnect button;
// and what an attacker's request gets. Root only: the node addresses live inside the dev server's namespace.
import http from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { isRoot } from '../devserver/netns.js';
import { type CliEnv, cliEnvsPerTest, curl, runCli } from './cli-helpers.js';
import { connectTo, forwards, named } from './services-helpers.js';
import { type Chromium, launchChromium, type RunningUi, startUi } from './ui-helpers.js';

let devserver: DevServer;
let chromium: Chromium;
let browser: Browser;
const newCli = cliEnvsPerTest();
const uis: RunningUi[] = [];
const LONG_TEST_MS = 120_000;

const contexts: BrowserContext[] = [];

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  for (const ui of uis.splice(0)) await ui.stop();
});

async function openPage(cli: CliEnv): Promise<{ ui: RunningUi; page: Page }> {
  const ui = await startUi(cli);
  uis.push(ui);
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(ui.url);
  return { ui, page };
}

/** The page's row of the forward to `service` (its text), found by the Service it names. */
const rowOf = (page: Page, service: string) => page.locator('tr.fwd', { hasText: service });
const sessionOf = (page: Page, host = 'devserver') => page.locator('section.session', { hasText: host });

function rawGet(port: number, pathname: string, host: string) {
  return new Promise<number>((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: pathname, headers: { host }, agent: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    request.on('error', reject);
  });
}

describe.skipIf(!isRoot())('the Ports page, in Chromium, against the simulated dev server', () => {
  beforeAll(async () => {
    devserver = await startDevServer({ scenario: 'services.json' });
    chromium = await launchChromium();
    browser = chromium.browser;
  });

  afterAll(async () => {
    await chromium?.close();
    await devserver?.stop();
  });

  it(
    'shows each forward and its link, moves its counters after traffic, and shows a reconnect when sshd restarts',
    async () => {
      const cli = newCli();
      expect((await connectTo(devserver, cli)).code).toBe(0);
      const { page } = await openPage(cli);
      const session = sessionOf(page);
      await expect.poll(() => session.locator('.pill').first().textContent()).toContain('forwarding');

      const list = await forwards(cli);
      for (const name of ['grafana', 'my-app-svc']) {
        const forward = named(list, name);
        const service = `${forward?.service?.namespace}/${name}:${forward?.service?.port}`;
        const link = rowOf(page, service).locator('a.addr');
        expect(await link.getAttribute('href')).toBe(`http://127.0.0.1:${forward?.localPort}/`);
        expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      }
      const grafana = rowOf(page, 'monitoring/grafana:3000');
      await expect.poll(() => grafana.textContent()).toContain('node 172.');
      expect(await page.locator('code', { hasText: 'kubectl --context k3d-my-app@devserver' }).count()).toBe(
        1,
      );

      // Traffic: the bytes-in cell leaves 0 B after one request, with no reload.
      const bytesIn = grafana.locator('td.num').nth(1);
      expect(await bytesIn.textContent()).toBe('0 B');
      expect((await curl('http://127.0.0.1:3000/')).stdout).toContain('hello from my-app');
      await expect.poll(() => bytesIn.textContent(), { timeout: 10_000 }).not.toBe('0 B');

      // sshd killed and restarted: the page says reconnecting, with why, then forwarding again.
      await devserver.sshd.crash();
      await expect
        .poll(() => session.locator('.pill').first().textContent(), { timeout: 20_000 })
        .toMatch(/reconnecting|connecting/);
      expect(await session.locator('p.detail').textContent()).not.toBe('');
      await devserver.sshd.restart();
      await expect
        .poll(() => session.locator('.pill').first().textContent(), { timeout: 30_000 })
        .toContain('forwarding');
      expect((await curl('http://127.0.0.1:3000/')).stdout).toContain('hello from my-app');
    },
    LONG_TEST_MS,
  );

  it(
    'says plainly when the agent is gone, and comes back with it',
    async () => {
      const cli = newCli();
      expect((await connectTo(devserver, cli)).code).toBe(0);
      const { page } = await openPage(cli);
      await expect.poll(() => sessionOf(page).count()).toBe(1);
      expect((await runCli(cli, ['agent', 'stop'])).code).toBe(0);
      const banner = page.locator('#banner');
      await expect.poll(() => banner.textContent(), { timeout: 10_000 }).toContain('The agent is gone');
      expect(await banner.textContent()).toContain('tunnel connect');
      // The last document stays on the page, greyed: the user still sees what was there.
      expect(await page.locator('main.stale').count()).toBe(1);
      expect((await connectTo(devserver, cli)).code).toBe(0);
      await expect.poll(() => banner.isHidden(), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => sessionOf(page).locator('.pill').first().textContent()).toContain('forwarding');
    },
    LONG_TEST_MS,
  );

  it(
    'Disconnect, after its confirmation, ends the session and the page shows it gone',
    async () => {
      const cli = newCli();
      expect((await connectTo(devserver, cli)).code).toBe(0);
      const { page } = await openPage(cli);
      await expect.poll(() => sessionOf(page).count()).toBe(1);
      page.once('dialog', (dialog) => void dialog.accept());
      await sessionOf(page).locator('button[data-action="disconnect"]').click();
      await expect.poll(() => sessionOf(page).count(), { timeout: 15_000 }).toBe(0);
      const status = await runCli(cli, ['status', '--json']);
      expect(JSON.parse(status.stdout).sessions).toEqual([]);
      expect((await curl('http://127.0.0.1:3000/')).code).not.toBe(0);
    },
    LONG_TEST_MS,
  );

  it('refuses a request without the token and one with a foreign Host', async () => {
    const cli = newCli();
    const ui = await startUi(cli);
    uis.push(ui);
    const own = `127.0.0.1:${ui.port}`;
    expect(await rawGet(ui.port, `/${ui.token}/`, own)).toBe(200);
    expect(await rawGet(ui.port, '/', own)).toBe(404);
    expect(await rawGet(ui.port, `/${ui.token.slice(1)}/`, own)).toBe(404);
    expect(await rawGet(ui.port, `/${ui.token}/`, `evil.example:${ui.port}`)).toBe(403);
    expect(await rawGet(ui.port, `/${ui.token}/events`, `attacker.test:${ui.port}`)).toBe(403);
    // The browser, sent to the page without its token, gets nothing of it.
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const response = await page.goto(`http://127.0.0.1:${ui.port}/`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('#sessions').count()).toBe(0);
  });
});
