// `tunnel ui` as a use case: start the page server, hand the browser a private redirect file (never
// the URL in argv), serve until the signal, then close every stream. The redirect file holds a live
// token: it goes as soon as the page has loaded, or after REDIRECT_TTL_MS, and at the stop at the latest.
// Opening is best effort: a failure to write the file or to run the opener is said, and the page serves on.
import fs from 'node:fs';
import { agentLogFile, uiRuntimeDir } from '../config/paths.js';
import { describeError, isTunnelError } from '../errors.js';
import { type OpenBrowserOptions, openInBrowser } from '../local/open-browser.js';
import { REDIRECT_TTL_MS, writeRedirectFile } from './redirect-file.js';
import { startUiServer, type UiServerOptions } from './server.js';
import type { AgentLink } from './types.js';

export type UiServeEvent =
  | { type: 'serving'; url: string }
  | { type: 'opened'; url: string }
  | { type: 'open-failed'; url: string; message: string; hint?: string };

/** Long enough for a browser that has to start first; the page's load removes the file sooner. */

export interface UiServeRequest {
  link: AgentLink;
  port?: number;
  open: boolean;
  signal: AbortSignal;
  onEvent(event: UiServeEvent): void;
  /** Tests: the page's files, the opener, the redirect file's directory and lifetime. */
  webDir?: UiServerOptions['webDir'];
  opener?: OpenBrowserOptions;
  runtimeDir?: string;
  redirectTtlMs?: number;
}

export async function serveUi(request: UiServeRequest): Promise<void> {
  let redirect: string | undefined;
  const removeRedirect = () => {
    try {
      if (redirect) fs.rmSync(redirect, { force: true });
    } catch {
      // Called from a timer and the server's callback: a file we cannot remove must not end the page.
    }
    redirect = undefined;
  };
  const server = await startUiServer({
    link: request.link,
    logFile: agentLogFile(),
    port: request.port,
    webDir: request.webDir,
    onPageLoaded: removeRedirect,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    request.onEvent({ type: 'serving', url: server.url });
    if (request.open && !request.signal.aborted) {
      try {
        redirect = writeRedirectFile(request.runtimeDir ?? uiRuntimeDir(), server.url);
        timer = setTimeout(removeRedirect, request.redirectTtlMs ?? REDIRECT_TTL_MS);
        timer.unref();
        await openPage(redirect, server.url, request);
      } catch (error) {
        removeRedirect();
        const hint = isTunnelError(error) ? error.hint : undefined;
        request.onEvent({ type: 'open-failed', url: server.url, message: describeError(error), hint });
      }
    }
    await aborted(request.signal);
  } finally {
    clearTimeout(timer);
    removeRedirect();
    await server.close();
  }
}

/** Runs the opener, but never waits for it past Ctrl-C (the opener itself runs on, detached). */
async function openPage(file: string, url: string, request: UiServeRequest): Promise<void> {
  const outcome = await Promise.race([openInBrowser(file, request.opener), aborted(request.signal)]);
  if (!outcome) return;
  request.onEvent(
    outcome.ok ? { type: 'opened', url } : { type: 'open-failed', url, message: outcome.message },
  );
}

const aborted = (signal: AbortSignal) =>
  new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
