// Opens a file in the user's default browser: macOS `open <file>`, Linux `xdg-open <file>`, through
// process/ (never a shell). `tunnel ui` hands it a 0600 redirect file, not the page's URL, because a
// command line is visible to every user in `ps` and the URL carries the page's token (as Jupyter does).
// The opener is launched detached with no pipes (process/launch.ts): a browser it starts must neither
// hold `tunnel ui` until it quits nor get the terminal's Ctrl-C.

import { type LaunchRequest, launchDetached } from '../process/launch.js';
import type { ProcessResult } from '../process/result.js';

export type OpenOutcome = { ok: true; command: string } | { ok: false; message: string };

export interface OpenBrowserOptions {
  platform?: NodeJS.Platform;
  launch?: (request: LaunchRequest) => Promise<ProcessResult>;
}

const OPEN_TIMEOUT_MS = 15_000;

/** The opener's program and words for a platform, or undefined where there is none we know. */
export function openCommand(
  file: string,
  platform: NodeJS.Platform,
): { file: string; args: string[] } | undefined {
  if (platform === 'darwin') return { file: 'open', args: [file] };
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    return { file: 'xdg-open', args: [file] };
  }
  return undefined;
}

export async function openInBrowser(file: string, options: OpenBrowserOptions = {}): Promise<OpenOutcome> {
  const platform = options.platform ?? process.platform;
  const command = openCommand(file, platform);
  if (!command) return { ok: false, message: `no known way to open a browser on ${platform}` };
  const result = await (options.launch ?? launchDetached)({ ...command, timeoutMs: OPEN_TIMEOUT_MS });
  if (result.notFound) return { ok: false, message: `${command.file} is not installed` };
  // Some xdg-open handlers wait for the browser: still running at the limit means it started one (it
  // runs on: launchDetached stops waiting, it kills nothing).
  if (result.exitCode === 0 || result.timedOut) return { ok: true, command: result.command };
  return { ok: false, message: result.failure || `${result.command} failed` };
}
