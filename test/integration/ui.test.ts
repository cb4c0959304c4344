// `tunnel ui` through the real bin (no agent runs: the page server says so). What a user meets: the URL
// printed, the page's headers, a foreign Host refused, the browser handed a redirect file (a stand-in
// xdg-open records what it was given), and Ctrl-C ending it cleanly with the redirect file gone.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { request } from '../unit/ui/ui-helpers.js';
import { type CliEnv, makeCliEnv, spawnCli } from './cli-helpers.js';

const envs: CliEnv[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
  for (const cli of envs.splice(0)) fs.rmSync(cli.home, { recursive: true, force: true });
});

/** A GET as a browser at `host` would send it (the unit tests' exact-header request). */
const get = (port: number, pathname: string, host = `127.0.0.1:${port}`) =>
  request(port, { path: pathname, headers: { host } });

/** The first event on /events, read as the page would. */
function firstEvent(port: number, pathname: string) {
  return new Promise<string>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n\n')) {
          req.destroy();
          resolve(text.slice(0, text.indexOf('\n\n')));
        }
      });
    });
    req.on('error', reject);
  });
}

async function start(args: string[], extraPath?: string) {
  const cli = makeCliEnv();
  envs.push(cli);
  if (extraPath) cli.env.PATH = `${extraPath}:${cli.env.PATH}`;
  const run = spawnCli(cli, ['ui', ...args]);
  children.push(run.child);
  const exited = new Promise<number | null>((resolve) => run.child.on('exit', (code) => resolve(code)));
  while (!run.output().stdout.includes('Serving until Ctrl-C.')) {
    if (run.child.exitCode !== null) throw new Error(`tunnel ui exited: ${run.output().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const url = new URL(/Ports page: (\S+)/.exec(run.output().stdout)![1]!);
  return { cli, run, exited, url, port: Number(url.port) };
}

describe('tunnel ui', () => {
  it('--no-open prints the URL, serves the page with its headers, refuses a foreign Host, and stops on Ctrl-C', async () => {
    const { run, exited, url, port } = await start(['--no-open']);
    expect(run.output().stdout).toMatch(
      /^Ports page: http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/\nServing until Ctrl-C\.\n$/,
    );

    const page = await get(port, url.pathname);
    // web/ is the page part's work: its index.html, or a clear 500 saying the install is incomplete.
    if (page.status === 500) expect(page.body).toMatch(/index\.html is missing or unreadable.*reinstall/);
    else expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');

    expect((await get(port, url.pathname, `evil.example:${port}`)).status).toBe(403);
    expect((await get(port, '/')).status).toBe(404);
    const agent = await firstEvent(port, `${url.pathname}events`);
    expect(agent).toMatch(/^event: agent\ndata: \{"state":"(connecting|gone)"/);

    run.child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(get(port, url.pathname)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('hands the browser a 0600 redirect file, never the URL; removes it once the page loaded; a browser the opener leaves running does not hold it', async () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bin-'));
    const record = path.join(bin, 'opened');
    const browserPid = path.join(bin, 'browser.pid');
    // As xdg-open does when no browser runs yet: it starts one, which keeps the opener's stdout and
    // stderr, and exits. tunnel ui must neither wait for that browser nor take it down with Ctrl-C.
    fs.writeFileSync(
      path.join(bin, 'xdg-open'),
      `#!/bin/sh\n(while :; do echo chatter; echo more >&2; sleep 1; done) &\necho $! > '${browserPid}'\n` +
        `printf '%s\\n' "$@" > '${record}'\nstat -c %a "$1" >> '${record}'\ncat "$1" >> '${record}'\n`,
      { mode: 0o755 },
    );
    let browser: number | undefined;
    try {
      const { cli, run, exited, url } = await start([], bin);
      while (!fs.existsSync(record) || !fs.readFileSync(record, 'utf8').includes('</html>')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      browser = Number(fs.readFileSync(browserPid, 'utf8'));
      const [file, mode, ...html] = fs.readFileSync(record, 'utf8').split('\n');
      const uiDir = path.join(cli.env.TUNNEL_HOME!, 'ui');
      expect(file).toBe(path.join(uiDir, `ui-open-${run.child.pid}.html`));
      expect(mode).toBe('600');
      expect(html.join('\n')).toContain(`content="0;url=${url.href}"`);
      expect(fs.existsSync(file!)).toBe(true);
      // The page loads (as the redirect makes the browser do): the file with the token goes.
      expect((await get(Number(url.port), url.pathname)).status).toBe(200);
      expect(fs.existsSync(file!)).toBe(false);
      expect(run.output().stderr).toBe('');
      run.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(fs.readdirSync(uiDir)).toEqual([]);
      expect(() => process.kill(browser!, 0)).not.toThrow(); // The "browser" outlived tunnel ui.
    } finally {
      if (browser) process.kill(browser, 'SIGKILL');
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
