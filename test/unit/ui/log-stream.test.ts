// /<token>/log: the last 200 lines of the agent's log, then the lines written after, until the tab goes.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { logLineEvent, MAX_LOG_LINE_CHARS } from '../../../src/ui/log-lines.js';
import { startUiServer, type UiServer } from '../../../src/ui/server.js';
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
