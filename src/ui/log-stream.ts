// GET /<token>/log: the agent's log as the page follows it: the last lines, then each new one as the
// agent writes it. Read from the file (like `tunnel logs -f`), so it works while the agent is down.
// Woken by fs.watch on the log directory (rotation replaces the file), with a 1 s stat as the fallback
// where fs.watch misses events; a client that does not read is not read for (the file keeps the lines).
import fs from 'node:fs';
import path from 'node:path';
import { LogFollower, lastMatching, rotatedFiles } from '../log-follower.js';
import type { UiClock } from './agent-feed.js';
import { logLineEvent } from './log-lines.js';
import type { SseClient } from './sse.js';

export const LOG_TAIL_LINES = 200;
export const LOG_FALLBACK_MS = 1000;
const MAX_BATCH = 500;

export interface LogStreamOptions {
  file: string;
  clock: UiClock;
}

/** Follows the log into one client until it goes; returns the stop (also called when it closes). */
export function followLog(client: SseClient, options: LogStreamOptions, onClosed: () => void): () => void {
  const follower = new LogFollower(options.file);
  let stopped = false;
  let timer: unknown;
  let watcher: fs.FSWatcher | undefined;
  const send = (lines: string[]) => {
    for (let start = 0; start < lines.length; start += MAX_BATCH) {
      client.send('log', { lines: lines.slice(start, start + MAX_BATCH).map(logLineEvent) });
    }
  };
  const read = () => {
    if (stopped || client.isBlocked) return;
    send(follower.readNew());
  };
  const tick = () => {
    read();
    if (!stopped) timer = options.clock.setTimeout(tick, LOG_FALLBACK_MS);
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    options.clock.clearTimeout(timer);
    watcher?.close();
    follower.close();
    onClosed();
  };
  // The tail reaches into agent.log.1… when the current file, just rotated, has fewer lines.
  send(lastMatching(follower.readNew(), rotatedFiles(options.file), () => true, LOG_TAIL_LINES));
  try {
    watcher = fs.watch(path.dirname(options.file), { persistent: false }, read);
    watcher.on('error', () => watcher?.close()); // The fallback timer goes on reading.
  } catch {
    // No log directory yet (the agent never ran): the fallback finds the file when it appears.
  }
  timer = options.clock.setTimeout(tick, LOG_FALLBACK_MS);
  return stop;
}
