// The page's files, read from web/ (next to src/ and dist/, so the same URL works from both). A fixed
// list: no path from the request ever reaches the file system.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_WEB_DIR = new URL('../../web/', import.meta.url);

const JS = 'text/javascript; charset=utf-8';

/**
 * route (after /<token>/) → the file in web/ and its type. A Map, not an object literal: a route such
 * as `constructor` or `__proto__` must find nothing, not Object.prototype's member.
 */
export const PAGE_FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ...['app.js', 'dom.js', 'model.js', 'format.js', 'traffic.js', 'shell-word.js'].map(
    (file) => [file, { file, type: JS }] as const,
  ),
  ['app.css', { file: 'app.css', type: 'text/css; charset=utf-8' }],
  ['icon.svg', { file: 'icon.svg', type: 'image/svg+xml' }],
]);

export type PageFile = { ok: true; body: Buffer; type: string } | { ok: false; message: string };

export async function readPageFile(webDir: URL | string, route: string): Promise<PageFile | undefined> {
  const entry = PAGE_FILES.get(route);
  if (!entry) return undefined;
  const dir = typeof webDir === 'string' ? webDir : fileURLToPath(webDir);
  const file = path.join(dir, entry.file);
  try {
    return { ok: true, body: await fs.readFile(file), type: entry.type };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      ok: false,
      message: `the page's file ${file} is missing or unreadable (${code}): this install of tunnel is incomplete; reinstall it`,
    };
  }
}
