// `tunnel ui`'s use case: the redirect file (0600, the URL inside, removed at the stop) handed to the
// browser opener, never the URL itself; and the opener's argv per platform.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCommand, openInBrowser } from '../../../src/local/open-browser.js';
import type { ProcessResult } from '../../../src/process/result.js';
import type { RunRequest } from '../../../src/process/run.js';
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
  it('writes ui-open-<pid>.html 0600 in a 0700 directory with the URL, opens that file, and removes it at the stop', async () => {
    const dirs = fixtureDirs();
    cleanups.push(dirs.cleanup);
    const runtimeDir = path.join(dirs.root, 'state', 'ui');
    const runs: RunRequest[] = [];
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
        run: async (run) => {
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
    expect((await request(port, { path: new URL(url).pathname })).status).toBe(200);

    stop.abort();
    await serving;
    expect(fs.existsSync(seenFile)).toBe(false);
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
        run: async () => result({ command: 'xdg-open', notFound: true, exitCode: undefined }),
      },
    });
    while (events.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events[1]).toMatchObject({ type: 'open-failed', message: 'xdg-open is not installed' });
    stop.abort();
    await serving;
    expect(fs.readdirSync(path.join(dirs.root, 'ui'))).toEqual([]);
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
    const runs: RunRequest[] = [];
    const outcome = await openInBrowser('/s/f.html', {
      platform: 'linux',
      run: async (run) => {
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
