// The Ports page's browser tests share this: one Chromium and one fixture server per test file (hooks
// registered by pageHarness()), a fresh browser context per test (closed after it), a status document
// to script, and a failure on any script error or anything the CSP blocked.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import type { SessionStatus, StatusDocument } from '../../src/control/status-document.js';
import { forwardStatus, sessionStatus } from '../builders.js';
import { type FixtureServer, startFixtureServer } from './ui-fixture-server.js';
import { type Chromium, launchChromium } from './ui-helpers.js';

export const UP = { state: 'up', since: '2026-01-01T10:00:00.000Z', pid: 4242, version: '0.1.0' } as const;
const grafana = { namespace: 'monitoring', name: 'grafana', port: 3000, portName: 'http' };

/** devserver forwarding my-app: the API, a mapped port and grafana through a node. */
export function forwarding(overrides: Partial<SessionStatus> = {}, bytesIn = 0): SessionStatus {
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

export interface PageHarness {
  readonly fixture: FixtureServer;
  readonly context: BrowserContext;
  readonly page: Page;
  /** A new context and page on the fixture's URL. */
  open(colorScheme?: 'light' | 'dark'): Promise<void>;
  /** A `status` event with these sessions (seq counted up). */
  sendStatus(sessions: SessionStatus[]): void;
  /** The first match's text. */
  text(selector: string): Promise<string>;
}

/** Waits for what the page shows (a 2-core machine shared by other suites can be slow to render). */
export const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 10_000 });

function doc(sessions: SessionStatus[]): StatusDocument {
  const agent = { pid: 4242, version: '0.1.0', startedAt: '', socketPath: '', logFile: '' };
  return { schemaVersion: 1, agent, sessions };
}

/** A script error or anything the CSP blocked would be a page that half works: each test fails on one. */
function collectProblems(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
}

/** Registers the file's hooks; each test starts with the agent up and devserver forwarding. */
export function pageHarness(): PageHarness {
  let chromium: Chromium;
  let browser: Browser;
  let fixture: FixtureServer;
  let context: BrowserContext | undefined;
  let page: Page;
  let seq = 0;
  const problems: string[] = [];
  const harness: PageHarness = {
    get fixture() {
      return fixture;
    },
    get context() {
      return context as BrowserContext;
    },
    get page() {
      return page;
    },
    open: async (colorScheme = 'light') => {
      context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 800 } });
      page = await context.newPage();
      page.setDefaultTimeout(10_000);
      collectProblems(page, problems);
      await page.goto(fixture.url);
    },
    sendStatus: (sessions) => {
      seq += 1;
      fixture.status({ seq, document: doc(sessions) });
    },
    text: (selector) => page.locator(selector).first().innerText(),
  };
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
    harness.sendStatus([forwarding()]);
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    expect(problems.splice(0)).toEqual([]);
  });
  return harness;
}
