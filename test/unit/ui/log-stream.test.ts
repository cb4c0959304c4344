// /<token>/log: the last 200 lines of the agent's log, then the lines written after, until the tab goes.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { logLineEvent, MAX_LOG_BATCH, MAX_LOG_LINE_CHARS } from '../../../src/ui/log-lines.js';
import { LOG_TAIL_BYTES, LOG_TAIL_LINES } from '../../../src/ui/log-stream.js';
import { MAX_LOG_CLIENTS, startUiServer, type UiServer } from '../../../src/ui/server.js';
import type { LogEvent } from '../../../src/ui/types.js';
import { fakeClock, fakeLink, fixtureDirs, openStream } from './ui-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const line = (message: string, fields: object = {}) =>
  `${JSON.stringify({ time: '2026-12-05T08:00:00.000Z', level: 'info', message, host: 'devbox', ...fields })}\n`;

const messages = (events: Array<{ data: unknown }>) =>
  events.flatMap((event) => (event.data as LogEvent).lines.map((entry) => entry.message));

describe('the log stream', () => {
  it('sends the last 200 lines (from the rotated file too), then appended ones, and stops following when the tab closes', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    // 250 lines, the first 150 already rotated into agent.log.1.
    const lines = Array.from({ length: 250 }, (_, index) => line(`old ${index}`));
    fs.writeFileSync(`${dirs.logFile}.1`, lines.slice(0, 150).join(''));
    fs.writeFileSync(dirs.logFile, lines.slice(150).join(''));
    const time = fakeClock();
    const server: UiServer = await startUiServer({
      link: fakeLink().link,
      logFile: dirs.logFile,
      webDir: dirs.web,
      clock: time.clock,
    });
    cleanups.push(() => server.close());
    const token = new URL(server.url).pathname.split('/')[1]!;
    const tab = openStream(server.port, `/${token}/log`);
    cleanups.push(() => tab.close());

    const first = await tab.until((events) => messages(events).length >= 200);
    expect(messages(first)).toHaveLength(200);
    expect(messages(first)[0]).toBe('old 50');
    expect(messages(first).at(-1)).toBe('old 249');

    fs.appendFileSync(dirs.logFile, line('connected', { clusters: 2, note: 'two words' }));
    time.advance(1000); // the fallback read, in case fs.watch is slow to say
    const after = await tab.until((events) => messages(events).includes('connected'));
    const entry = (after.at(-1)!.data as LogEvent).lines.at(-1)!;
    expect(entry).toEqual({
      time: '2026-12-05T08:00:00.000Z',
      level: 'info',
      host: 'devbox',
      message: 'connected',
      fields: 'clusters=2 note="two words"',
    });

    expect(server.streams().logs).toBe(1);
    tab.close();
    while (server.streams().logs > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(time.pending().filter((ms) => ms === 1000)).toEqual([]); // no fallback read left armed
  });
});

async function followed(setupFiles: (logFile: string) => void) {
  const dirs = fixtureDirs();
  cleanups.push(dirs.cleanup);
  setupFiles(dirs.logFile);
  const time = fakeClock();
  const server: UiServer = await startUiServer({
    link: fakeLink().link,
    logFile: dirs.logFile,
    webDir: dirs.web,
    clock: time.clock,
  });
  cleanups.push(() => server.close());
  const token = new URL(server.url).pathname.split('/')[1]!;
  const tabs: Array<ReturnType<typeof openStream>> = [];
  cleanups.push(() => {
    for (const tab of tabs) tab.close();
  });
  const tab = () => {
    const opened = openStream(server.port, `/${token}/log`);
    tabs.push(opened);
    return opened;
  };
  return { logFile: dirs.logFile, time, server, tab };
}

const lines = (from: number, to: number, pad = '') =>
  Array.from({ length: to - from }, (_, index) => line(`line ${from + index}${pad}`)).join('');

describe('the log stream, bounded', () => {
  it('sends a burst as one event: the newest lines after a note of how many are left out', async () => {
    const { logFile, time, tab } = await followed((file) => fs.writeFileSync(file, lines(0, 10)));
    const pane = tab();
    await pane.until((events) => messages(events).length >= 10);
    const before = pane.events.length;
    fs.appendFileSync(logFile, lines(10, 1210)); // one write: no read can see half of it
    time.advance(1000);
    await pane.until((all) => messages(all).includes('line 1209'));
    fs.appendFileSync(logFile, line('marker'));
    time.advance(1000);
    const events = await pane.until((all) => messages(all).includes('marker'));
    const burst = events.slice(before, -1); // whatever fs.watch woke in between is in here too
    expect(burst).toHaveLength(1);
    const shown = (burst[0]!.data as LogEvent).lines;
    expect(shown).toHaveLength(MAX_LOG_BATCH);
    expect(shown[0]).toEqual({
      time: null,
      level: null,
      host: null,
      message: '… 701 earlier lines not shown (`tunnel logs` has them)',
      fields: '',
    });
    expect(shown[1]!.message).toBe('line 711');
    expect(shown.at(-1)!.message).toBe('line 1209');
  });

  it('reads the tail of a large log from its end: whole lines only, and none from an older file past a gap', async () => {
    const pad = ` ${'p'.repeat(3000)}`; // lines longer than the window's share of each
    const { tab } = await followed((file) => {
      fs.writeFileSync(`${file}.1`, lines(0, 100));
      fs.writeFileSync(file, lines(100, 2100, pad)); // about 6 MB
    });
    const first = await tab().until((events) => events.length >= 1);
    const shown = (first[0]!.data as LogEvent).lines;
    expect(shown.length).toBeGreaterThan(LOG_TAIL_BYTES / (3100 * 1.1));
    expect(shown.length).toBeLessThan(LOG_TAIL_LINES);
    for (const entry of shown) expect(entry.time, entry.message.slice(0, 40)).not.toBeNull(); // none cut
    const numbers = shown.map((entry) => Number(/^line (\d+)/.exec(entry.message)![1]));
    expect(numbers.at(-1)).toBe(2099);
    expect(numbers).toEqual(numbers.map((_, index) => numbers[0]! + index)); // consecutive, none old
  });

  it(`tells the ${MAX_LOG_CLIENTS + 1}th log pane why in one refused event, then ends it`, async () => {
    const { server, tab } = await followed((file) => fs.writeFileSync(file, lines(0, 1)));
    const panes = Array.from({ length: MAX_LOG_CLIENTS }, () => tab());
    await Promise.all(panes.map((pane) => pane.until((events) => events.length >= 1)));
    const extra = tab();
    const events = await extra.until((all) => all.length >= 1);
    expect((await extra.opened).statusCode).toBe(200);
    expect(events).toEqual([
      {
        event: 'refused',
        data: {
          message: "16 tabs already follow the agent's log",
          hint: 'turn "Follow the log" off in one of them, then on again in this one',
        },
      },
    ]);
    expect(server.streams().logs).toBe(MAX_LOG_CLIENTS);
    panes[0]!.close();
    while (server.streams().logs >= MAX_LOG_CLIENTS) await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await tab().until((all) => all.length >= 1);
    expect(again[0]!.event).toBe('log');
  });
});

describe('log lines as the page shows them', () => {
  it('bounds every part, and shows a line that is not the agent’s JSON as its text', () => {
    const long = logLineEvent(line('m'.repeat(10_000), { extra: 'f'.repeat(10_000) }).trimEnd());
    expect(long.message.length).toBe(MAX_LOG_LINE_CHARS);
    expect(long.fields.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    expect(logLineEvent('<img src=x onerror=alert(1)> plain')).toEqual({
      time: null,
      level: null,
      host: null,
      message: '<img src=x onerror=alert(1)> plain',
      fields: '',
    });
    expect(logLineEvent('x'.repeat(50_000)).message.length).toBe(MAX_LOG_LINE_CHARS);
  });
});
