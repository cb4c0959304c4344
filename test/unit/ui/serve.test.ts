// `tunnel ui`'s use case: the redirect file (0600, the URL inside, removed at the stop) handed to the
// browser opener, never the URL itself; and the opener's argv per platform.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCommand, openInBrowser } from '../../../src/local/open-browser.js';
import type { LaunchRequest } from '../../../src/process/launch.js';
import type { ProcessResult } from '../../../src/process/result.js';
import { REDIRECT_TTL_MS } from '../../../src/ui/redirect-file.js';
import { serveUi, type UiServeEvent } from '../../../src/ui/serve.js';
import { fakeLink, fixtureDirs, request } from './ui-helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const result = (overrides: Partial<ProcessResult>): ProcessResult => ({
  command: 'open',
  exitCode: 0,
  stdout: '',
  stderr: '',
  notFound: false,
  timedOut: false,
  failure: '',
  ...overrides,
});

describe('tunnel ui opens the page through a private redirect file', () => {
  it('writes ui-open-<pid>.html 0600 in a 0700 directory with the URL, opens that file, and removes it once the page has loaded', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const runtimeDir = path.join(dirs.root, 'state', 'ui');
    const runs: LaunchRequest[] = [];
    const events: UiServeEvent[] = [];
    const stop = new AbortController();
    let seenFile = '';
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir,
      onEvent: (event) => events.push(event),
      opener: {
        platform: 'darwin',
        launch: async (run) => {
          runs.push(run);
          seenFile = run.args[0]!;
          return result({ command: `open ${run.args[0]}` });
        },
      },
    });
    while (!events.some((event) => event.type === 'opened'))
      await new Promise((resolve) => setTimeout(resolve, 5));
    const url = events[0]!.type === 'serving' ? events[0]!.url : '';
    expect(runs).toHaveLength(1);
    expect(runs[0]!.file).toBe('open');
    expect(runs[0]!.args).toEqual([path.join(runtimeDir, `ui-open-${process.pid}.html`)]);
    expect(runs[0]!.args.join(' ')).not.toContain(new URL(url).pathname.split('/')[1]); // no token in argv
    expect(fs.statSync(seenFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(runtimeDir).mode & 0o777).toBe(0o700);
    const html = fs.readFileSync(seenFile, 'utf8');
    expect(html).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`);
    expect(html).toContain(`<a href="${url}">`);
    const port = Number(new URL(url).port);
    expect(fs.existsSync(seenFile)).toBe(true);
    // The page loaded: the file with the live token has done its job and goes at once.
    expect((await request(port, { path: new URL(url).pathname })).status).toBe(200);
    expect(fs.existsSync(seenFile)).toBe(false);

    stop.abort();
    await serving;
    await expect(request(port, { path: new URL(url).pathname })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('says the browser did not open, and serves on', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const events: UiServeEvent[] = [];
    const stop = new AbortController();
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir: path.join(dirs.root, 'ui'),
      onEvent: (event) => events.push(event),
      opener: {
        platform: 'linux',
        launch: async () => result({ command: 'xdg-open', notFound: true, exitCode: undefined }),
      },
    });
    while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events[1]).toMatchObject({ type: 'open-failed', message: 'xdg-open is not installed' });
    stop.abort();
    await serving;
    expect(fs.readdirSync(path.join(dirs.root, 'ui'))).toEqual([]);
  });
});

describe('tunnel ui: the redirect file lives no longer than it must, and opening is best effort', () => {
  async function until(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  it('removes the file after its lifetime when no page ever loads', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const runtimeDir = path.join(dirs.root, 'ui');
    const events: UiServeEvent[] = [];
    const stop = new AbortController();
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir,
      redirectTtlMs: 50,
      onEvent: (event) => events.push(event),
      opener: { platform: 'darwin', launch: async (run) => result({ command: `open ${run.args[0]}` }) },
    });
    await until(() => events.some((event) => event.type === 'opened'));
    await until(() => fs.readdirSync(runtimeDir).length === 0);
    expect(events.map((event) => event.type)).toEqual(['serving', 'opened']);
    stop.abort();
    await serving;
  });

  it('sweeps the files of tunnel ui processes that died (kill -9) and keeps those of live ones', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const runtimeDir = path.join(dirs.root, 'ui');
    fs.mkdirSync(runtimeDir, { mode: 0o700 });
    // A pid past Linux's pid_max (4194304) never runs; pid 1 always does.
    fs.writeFileSync(path.join(runtimeDir, 'ui-open-99999999.html'), 'old token', { mode: 0o600 });
    fs.writeFileSync(path.join(runtimeDir, 'ui-open-1.html'), 'live', { mode: 0o600 });
    // A dead run's file younger than its lifetime may be another machine's (a shared home): kept.
    fs.writeFileSync(path.join(runtimeDir, 'ui-open-99999998.html'), 'young', { mode: 0o600 });
    const longAgo = new Date(Date.now() - 2 * REDIRECT_TTL_MS);
    for (const name of ['ui-open-99999999.html', 'ui-open-1.html'])
      fs.utimesSync(path.join(runtimeDir, name), longAgo, longAgo);
    fs.writeFileSync(path.join(runtimeDir, 'notes.txt'), 'not ours to judge', { mode: 0o600 });
    const stop = new AbortController();
    const events: UiServeEvent[] = [];
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir,
      onEvent: (event) => events.push(event),
      opener: { platform: 'darwin', launch: async (run) => result({ command: `open ${run.args[0]}` }) },
    });
    await until(() => events.some((event) => event.type === 'opened'));
    expect(fs.readdirSync(runtimeDir).sort()).toEqual(
      ['notes.txt', 'ui-open-1.html', 'ui-open-99999998.html', `ui-open-${process.pid}.html`].sort(),
    );
    stop.abort();
    await serving;
    expect(fs.readdirSync(runtimeDir).sort()).toEqual([
      'notes.txt',
      'ui-open-1.html',
      'ui-open-99999998.html',
    ]);
  });

  it('cannot write the file (its directory is not a directory): says so with a hint, and serves on', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const blocked = path.join(dirs.root, 'ui');
    fs.writeFileSync(blocked, 'a file where the directory should be');
    const events: UiServeEvent[] = [];
    const stop = new AbortController();
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir: blocked,
      onEvent: (event) => events.push(event),
      opener: { platform: 'darwin', launch: async () => expect.unreachable('no file, no opener') },
    });
    await until(() => events.length >= 2);
    expect(events[1]).toMatchObject({ type: 'open-failed' });
    const url = events[0]!.type === 'serving' ? events[0]!.url : '';
    expect((await request(Number(new URL(url).port), { path: new URL(url).pathname })).status).toBe(200);
    stop.abort();
    await serving;
  });

  it('Ctrl-C while the opener has not answered stops tunnel ui at once, and the file goes', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const runtimeDir = path.join(dirs.root, 'ui');
    const stop = new AbortController();
    let launched = false;
    const serving = serveUi({
      link: fakeLink().link,
      open: true,
      signal: stop.signal,
      webDir: dirs.web,
      runtimeDir,
      onEvent: () => {},
      opener: {
        platform: 'linux',
        launch: () => {
          launched = true;
          return new Promise(() => {}); // An opener that never answers.
        },
      },
    });
    await until(() => launched);
    stop.abort();
    await serving;
    expect(fs.readdirSync(runtimeDir)).toEqual([]);
  });
});

describe('the browser opener', () => {
  it('runs `open <file>` on macOS and `xdg-open <file>` on Linux, nothing on Windows', async () => {
    expect(openCommand('/s/ui-open-1.html', 'darwin')).toEqual({ file: 'open', args: ['/s/ui-open-1.html'] });
    expect(openCommand('/s/ui-open-1.html', 'linux')).toEqual({
      file: 'xdg-open',
      args: ['/s/ui-open-1.html'],
    });
    expect(openCommand('/s/ui-open-1.html', 'win32')).toBeUndefined();
    const runs: LaunchRequest[] = [];
    const outcome = await openInBrowser('/s/f.html', {
      platform: 'linux',
      launch: async (run) => {
        runs.push(run);
        return result({
          command: 'xdg-open /s/f.html',
          exitCode: 4,
          failure: 'xdg-open /s/f.html exited with code 4',
        });
      },
    });
    expect(runs.map((run) => [run.file, ...run.args])).toEqual([['xdg-open', '/s/f.html']]);
    expect(outcome).toEqual({ ok: false, message: 'xdg-open /s/f.html exited with code 4' });
    expect(await openInBrowser('/s/f.html', { platform: 'win32' })).toMatchObject({ ok: false });
  });
});
