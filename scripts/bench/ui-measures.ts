// Issue 15's rows: the Ports page's weight (every byte the browser loads for it) and how long a change takes
// to reach a person — through the page in Debian's Chromium, and through `tunnel status --watch --json` on
// the same watch request — for traffic (a request through a forward, to its bytes moving) and for a session
// state change (sshd killed: the agent's `since` of the new state, to the page and the line showing it).
// Everything is real: the simulator, the agent, `tunnel ui`, the browser; no clock but Date.now() on one machine.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { startDevServer } from '../../test/devserver/index.js';
import { BIN, type CliEnv, runCli } from '../../test/integration/cli-process.js';
import { launchChromium, startUi } from '../../test/integration/ui-helpers.js';
import { median, round, sleep } from './lib.js';
import type { Section } from './measures.js';
import { disposeCli, makeCliEnv } from './tunnel-cli.js';

export interface UiSizes {
  trafficRuns: number;
  stateRuns: number;
}

interface WatchLine {
  at: number;
  doc: { sessions: { state: string; since: string; clusters: { forwards: Fwd[] }[] }[] };
}
interface Fwd {
  service: { name: string } | null;
  bytesIn: number;
}

/** `tunnel status --watch --json`: every line it prints, stamped when this process read it. */
function watchLines(cli: CliEnv): { child: ChildProcess; lines: WatchLine[] } {
  const child = spawn(process.execPath, [BIN, 'status', 'devserver', '--watch', '--json'], {
    env: cli.env,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines: WatchLine[] = [];
  let rest = '';
  child.stdout?.on('data', (chunk) => {
    const at = Date.now();
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push({ at, doc: JSON.parse(part) });
  });
  return { child, lines };
}

const grafanaBytes = (line: WatchLine) =>
  line.doc.sessions[0]?.clusters.flatMap((c) => c.forwards).find((f) => f.service?.name === 'grafana')
    ?.bytesIn ?? -1;

async function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs)
      throw new Error(`bench ui: ${what} did not happen in ${timeoutMs} ms`);
    await sleep(2);
  }
}

/** The page's time when its first session's state pill says (or stops saying) `word`. */
async function pageSees(page: Page, word: string, present: boolean, timeoutMs = 60_000): Promise<number> {
  const handle = await page.waitForFunction(
    ([w, p]) => {
      const text = document.querySelector('section.session .pill')?.textContent ?? '';
      return text.includes(w as string) === p ? Date.now() : false;
    },
    [word, present] as const,
    { polling: 'raf', timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as number;
}

async function pageWeight(
  page: Page,
  url: string,
): Promise<{ bytes: number; files: number; firstRowMs: number }> {
  const sizes: Promise<number>[] = [];
  page.on('response', (response) => {
    if (/\/(events|log)$/.test(response.url())) return;
    sizes.push(response.body().then((body) => body.length));
  });
  const started = Date.now();
  await page.goto(url);
  await page.locator('tr.fwd').first().waitFor();
  const firstRowMs = Date.now() - started;
  const all = await Promise.all(sizes);
  return { bytes: all.reduce((a, b) => a + b, 0), files: all.length, firstRowMs };
}

async function trafficLatency(page: Page, watch: WatchLine[], runs: number) {
  const toPage: number[] = [];
  const toLine: number[] = [];
  const cell = page.locator('tr.fwd', { hasText: 'monitoring/grafana:3000' }).locator('td.num').nth(1);
  for (let i = 0; i < runs; i++) {
    const before = await cell.textContent();
    const seen = watch.length;
    const bytesBefore = grafanaBytes(watch[watch.length - 1] as WatchLine);
    // A reply big enough to change the page's rounded figure every run.
    const reply = await fetch(`http://127.0.0.1:3000/bytes/${(i + 1) * 300_000}`).then((r) =>
      r.arrayBuffer(),
    );
    const done = Date.now();
    if (reply.byteLength === 0) throw new Error('bench ui: no reply through grafana');
    const shown = await page.waitForFunction(
      ([text]) => {
        const rows = [...document.querySelectorAll('tr.fwd')];
        const row = rows.find((r) => r.textContent?.includes('monitoring/grafana:3000'));
        const value = row?.querySelectorAll('td.num')[1]?.textContent;
        return value !== undefined && value !== text ? Date.now() : false;
      },
      [before] as const,
      { polling: 'raf', timeout: 30_000 },
    );
    toPage.push(((await shown.jsonValue()) as number) - done);
    const line = await waitFor('a watch line with the traffic', () =>
      watch.slice(seen).find((l) => grafanaBytes(l) > bytesBefore),
    );
    toLine.push(line.at - done);
    await sleep(400);
  }
  return { toPage, toLine };
}

async function stateLatency(
  ctx: { page: Page; watch: WatchLine[]; crash(): Promise<void>; restart(): Promise<void> },
  runs: number,
) {
  const toPage: number[] = [];
  const toLine: number[] = [];
  for (let i = 0; i < runs; i++) {
    const seen = ctx.watch.length;
    await ctx.crash();
    const pageAt = await pageSees(ctx.page, 'forwarding', false);
    const line = await waitFor('a watch line leaving forwarding', () =>
      ctx.watch.slice(seen).find((l) => l.doc.sessions[0]?.state !== 'forwarding'),
    );
    const since = Date.parse(line.doc.sessions[0]?.since ?? '');
    toPage.push(pageAt - since);
    toLine.push(line.at - since);
    await ctx.restart();
    // Back to forwarding takes the agent's backoff, which grows over quick kill cycles (a connection
    // that did not stay up does not reset it): not what this measures, so it may take minutes.
    await pageSees(ctx.page, 'forwarding', true, 180_000).catch((error: unknown) => {
      const last = ctx.watch[ctx.watch.length - 1]?.doc.sessions[0];
      throw new Error(
        `bench ui: run ${i + 1}, the page never showed forwarding again; the agent says ${JSON.stringify(last && { state: last.state, since: last.since, lastError: (last as { lastError?: unknown }).lastError })}`,
        { cause: error },
      );
    });
  }
  return { toPage, toLine };
}

const row = (what: string, values: number[], unit = 'ms') => [
  what,
  `${round(median(values), 1)} ${unit}`,
  `${round(Math.max(...values), 1)} ${unit}`,
  values.length,
];

/** The ui section: the page's weight, and change → person latency through the page and through status --watch. */
export async function uiSection(options: UiSizes): Promise<Section> {
  const devserver = await startDevServer({ scenario: 'services.json' });
  const cli = makeCliEnv();
  const chromium = await launchChromium();
  let watcher: ChildProcess | undefined;
  const ui = { stop: async () => {} };
  try {
    const args = ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver', '--no-kubeconfig'];
    const connected = await runCli(cli, args);
    if (connected.code !== 0) throw new Error(`tunnel connect failed: ${connected.stderr}`);
    const running = await startUi(cli);
    ui.stop = async () => void (await running.stop());
    const page = await (await chromium.browser.newContext()).newPage();
    const weight = await pageWeight(page, running.url);
    const watch = watchLines(cli);
    watcher = watch.child;
    await waitFor('the first watch line', () => watch.lines[0]);
    const traffic = await trafficLatency(page, watch.lines, options.trafficRuns);
    const state = await stateLatency(
      {
        page,
        watch: watch.lines,
        crash: () => devserver.sshd.crash(),
        restart: () => devserver.sshd.restart(),
      },
      options.stateRuns,
    );
    const uiRss = rssMiB(running.child.pid);
    return {
      id: 'ui',
      title: `The Ports page: its weight, and a change reaching a person (${options.trafficRuns} requests, ${options.stateRuns} sshd kills; the page in headless Chromium, status --watch --json beside it)`,
      params: { ...options },
      columns: ['measure', 'p50', 'max', 'n'],
      rows: [
        ['page weight (every file the browser loads)', `${weight.bytes} bytes`, `${weight.files} files`, 1],
        ['page opened → first forward shown', `${weight.firstRowMs} ms`, '', 1],
        row('traffic → the page shows the bytes (request done → DOM)', traffic.toPage),
        row('traffic → a status --watch line (request done → line read)', traffic.toLine),
        row('state change → the page shows it (agent `since` → DOM)', state.toPage),
        row('state change → a status --watch line (agent `since` → line read)', state.toLine),
        ['tunnel ui resident memory, one page open', `${round(uiRss, 1)} MiB`, '', 1],
      ],
      data: { weight, traffic, state, uiRssMiB: uiRss },
    };
  } finally {
    watcher?.kill('SIGINT');
    await ui.stop();
    await chromium.close();
    await disposeCli(cli);
    await devserver.stop();
  }
}

/** Resident memory of a process, from /proc (Linux; the bench runs there). */
function rssMiB(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}
