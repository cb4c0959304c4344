// `tunnel ui` as a use case: start the page server, hand the browser a private redirect file (never
// the URL in argv), serve until the signal, then close every stream and remove the file.
import fs from 'node:fs';
import path from 'node:path';
import { agentLogFile, uiRuntimeDir } from '../config/paths.js';
import { TunnelError } from '../errors.js';
import { type OpenBrowserOptions, openInBrowser } from '../local/open-browser.js';
import { startUiServer, type UiServerOptions } from './server.js';
import type { AgentLink } from './types.js';

export type UiServeEvent =
  | { type: 'serving'; url: string }
  | { type: 'opened'; url: string }
  | { type: 'open-failed'; url: string; message: string };

export interface UiServeRequest {
  link: AgentLink;
  port?: number;
  open: boolean;
  signal: AbortSignal;
  onEvent(event: UiServeEvent): void;
  /** Tests: the page's files, the opener, the redirect file's directory. */
  webDir?: UiServerOptions['webDir'];
  opener?: OpenBrowserOptions;
  runtimeDir?: string;
}

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
  const file = path.join(dir, `ui-open-${process.pid}.html`);
  fs.rmSync(file, { force: true }); // A leftover of an earlier process with this pid.
  fs.writeFileSync(file, redirectHtml(url), { mode: 0o600, flag: 'wx' });
  return file;
}

export async function serveUi(request: UiServeRequest): Promise<void> {
  const server = await startUiServer({
    link: request.link,
    logFile: agentLogFile(),
    port: request.port,
    webDir: request.webDir,
  });
  let redirect: string | undefined;
  try {
    request.onEvent({ type: 'serving', url: server.url });
    if (request.open && !request.signal.aborted) {
      redirect = writeRedirectFile(request.runtimeDir ?? uiRuntimeDir(), server.url);
      const outcome = await openInBrowser(redirect, request.opener);
      request.onEvent(
        outcome.ok
          ? { type: 'opened', url: server.url }
          : { type: 'open-failed', url: server.url, message: outcome.message },
      );
    }
    await aborted(request.signal);
  } finally {
    if (redirect) fs.rmSync(redirect, { force: true });
    await server.close();
  }
}

const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
