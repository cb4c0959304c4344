// The file `tunnel ui` hands the browser opener instead of the URL (a command line shows in `ps`; the
// URL carries the page's token): ui-open-<pid>.html, 0600, in a 0700 directory of ours. It holds a live
// token, so it lives only until the page has loaded (or a minute), and leftovers of a `tunnel ui` that
// died without cleaning up (kill -9, a crash) are swept at the next start.
import fs from 'node:fs';
import path from 'node:path';
import { TunnelError } from '../errors.js';

const REDIRECT_NAME = /^ui-open-(\d+)\.html$/;

/** A meta refresh and a link: the browser loads the page from a file:// URL, which sends no Referer. */
export function redirectHtml(url: string): string {
  const safe = url.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<meta http-equiv="refresh" content="0;url=${safe}">`,
    '<title>tunnel: Ports page</title></head>',
    `<body><p><a href="${safe}">Open the Ports page</a></p></body></html>`,
    '',
  ].join('\n');
}

/** Writes ui-open-<pid>.html (0600) in a 0700 directory of ours; returns its path. */
export function writeRedirectFile(dir: string, url: string): string {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || (typeof process.getuid === 'function' && stat.uid !== process.getuid())) {
    throw new TunnelError('STATE', `${dir} is not a directory of ours`, {
      hint: `remove it and run tunnel ui again, or use tunnel ui --no-open`,
    });
  }
  fs.chmodSync(dir, 0o700);
  sweepRedirectFiles(dir);
  const file = path.join(dir, `ui-open-${process.pid}.html`);
  fs.rmSync(file, { force: true }); // A leftover of an earlier process with this pid.
  fs.writeFileSync(file, redirectHtml(url), { mode: 0o600, flag: 'wx' });
  return file;
}

/** How long a redirect file may live: a browser that has not loaded the page by then is not coming. */
export const REDIRECT_TTL_MS = 60_000;

/**
 * Removes the redirect files of `tunnel ui` processes that no longer run, and only once older than their
 * lifetime: a home shared with another machine (NFS) or a container has pids this one cannot see, and
 * such a file is gone by its owner's hand within that lifetime anyway. Returns what it removed.
 */
export function sweepRedirectFiles(dir: string, alive: (pid: number) => boolean = pidAlive): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const pid = REDIRECT_NAME.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || alive(Number(pid))) continue;
    const file = path.join(dir, name);
    const age = Date.now() - (fs.lstatSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age < REDIRECT_TTL_MS) continue;
    fs.rmSync(file, { force: true });
    removed.push(name);
  }
  return removed;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as someone else: not ours to judge, so keep its file.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
