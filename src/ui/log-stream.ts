// GET /<token>/log: the agent's log as the page follows it: the last lines, then each new one as the
// agent writes it. Read from the file (like `tunnel logs -f`), so it works while the agent is down.
// Woken by fs.watch on the log directory (rotation replaces the file), with a 1 s stat as the fallback
// where fs.watch misses events; a client that does not read is not read for (the file keeps the lines).
import fs from 'node:fs';
import path from 'node:path';
import { LogFollower, rotatedFiles } from '../log-follower.js';
import type { UiClock } from './agent-feed.js';
import { logBatch, MAX_LOG_LINE_CHARS } from './log-lines.js';
import type { SseClient } from './sse.js';

export const LOG_TAIL_LINES = 200;
export const LOG_FALLBACK_MS = 1000;
/** How far back from each file's end the tail looks: a log of many megabytes is never read whole. */
export const LOG_TAIL_BYTES = LOG_TAIL_LINES * MAX_LOG_LINE_CHARS;

export interface LogStreamOptions {
  file: string;
  clock: UiClock;
}

/** The last LOG_TAIL_LINES lines, reaching into agent.log.1… when the current file, just rotated, is short. */
function tail(follower: LogFollower, file: string): string[] {
  const current = follower.readTail(LOG_TAIL_BYTES);
  let lines = current.lines;
  let whole = current.whole; // Only then are the older lines next to these, with no gap between.
  for (const older of rotatedFiles(file)) {
    if (!whole || lines.length >= LOG_TAIL_LINES) break;
    const reader = new LogFollower(older);
    const read = reader.readTail(LOG_TAIL_BYTES);
    reader.close();
    lines = [...read.lines, ...lines];
    whole = read.whole;
  }
  return lines.slice(-LOG_TAIL_LINES);
}

/** Follows the log into one client until it goes; returns the stop (also called when it closes). */
export function followLog(client: SseClient, options: LogStreamOptions, onClosed: () => void): () => void {
  const follower = new LogFollower(options.file);
  let stopped = false;
  let timer: unknown;
  let watcher: fs.FSWatcher | undefined;
  // One event per read, never more: the client keeps one pending event per kind, and log events are
  // deltas, so a second one could replace the first unseen. A read is made only while the client takes
  // writes, so this one is written at once.
  const send = (lines: string[]) => {
    if (lines.length > 0) client.send('log', { lines: logBatch(lines) });
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
  send(tail(follower, options.file));
  try {
    watcher = fs.watch(path.dirname(options.file), { persistent: false }, read);
    watcher.on('error', () => watcher?.close()); // The fallback timer goes on reading.
  } catch {
    // No log directory yet (the agent never ran): the fallback finds the file when it appears.
  }
  timer = options.clock.setTimeout(tick, LOG_FALLBACK_MS);
  return stop;
}
