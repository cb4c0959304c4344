// The agent's saved sessions: one JSON file per host under <state>/sessions, so an agent that is
// restarted (crash, kill -9, reboot with `agent install`) brings every session back on the same local
// ports. Runtime state only — what the user asked for plus what we chose — never secrets. Files are
// written atomically, 0600; an unreadable file is reported and skipped, never fatal.
import fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../atomic-file.js';
import { tunnelPaths } from '../config/paths.js';
import type { SessionOptions } from '../config/resolve.js';
import { deserializeOptions, serializeOptions } from '../control/session-options.js';
import { FieldError, isObject, readSessionOptions } from '../control/validate.js';

const RECORD_VERSION = 1;

export interface SavedSession {
  options: SessionOptions;
  /** Local port per forward id, as last applied. */
  ports: Map<string, number>;
  /** Kube contexts the session wrote (what disconnect removes). */
  contexts: string[];
  createdAt: string;
}

function sessionsDir(): string {
  return tunnelPaths().sessionsDir;
}

function fileFor(alias: string): string {
  // encodeURIComponent keeps any alias (user@host:port, unicode) one safe file name.
  return path.join(sessionsDir(), `${encodeURIComponent(alias)}.json`);
}

/**
 * --accept-new-host-key is a decision for the connect a person ran, never a standing one: the record
 * always says false, and a record from an older release that says true loads as false, so a restored
 * session (and every reconnect) refuses an unknown host key.
 */
const withoutAcceptNew = (options: SessionOptions): SessionOptions => ({
  ...options,
  acceptNewHostKey: false,
});

export async function saveSession(session: SavedSession): Promise<void> {
  const record = {
    version: RECORD_VERSION,
    options: serializeOptions(withoutAcceptNew(session.options)),
    ports: [...session.ports.entries()],
    contexts: session.contexts,
    createdAt: session.createdAt,
  };
  await atomicWrite(fileFor(session.options.alias), `${JSON.stringify(record, null, 2)}\n`);
}

export function forgetSession(alias: string): void {
  fs.rmSync(fileFor(alias), { force: true });
}

function parseRecord(text: string): SavedSession {
  const value: unknown = JSON.parse(text);
  if (!isObject(value) || value.version !== RECORD_VERSION) throw new FieldError('unknown record version');
  const options = withoutAcceptNew(deserializeOptions(readSessionOptions(value)));
  const ports = new Map<string, number>();
  if (Array.isArray(value.ports)) {
    for (const pair of value.ports) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && Number.isInteger(pair[1])) {
        ports.set(pair[0], pair[1] as number);
      }
    }
  }
  const contexts = Array.isArray(value.contexts)
    ? value.contexts.filter((context): context is string => typeof context === 'string')
    : [];
  const createdAt = typeof value.createdAt === 'string' ? value.createdAt : new Date().toISOString();
  return { options, ports, contexts, createdAt };
}

export interface LoadedSessions {
  sessions: SavedSession[];
  /** Files that could not be read, with why (logged by the agent; the file is moved aside). */
  problems: { file: string; error: string }[];
}

export function loadSessions(): LoadedSessions {
  const dir = sessionsDir();
  const result: LoadedSessions = { sessions: [], problems: [] };
  if (!fs.existsSync(dir)) return result;
  for (const name of fs
    .readdirSync(dir)
    .filter((entry) => entry.endsWith('.json'))
    .sort()) {
    const file = path.join(dir, name);
    try {
      result.sessions.push(parseRecord(fs.readFileSync(file, 'utf8')));
    } catch (error) {
      result.problems.push({ file, error: error instanceof Error ? error.message : String(error) });
      // Kept for a person to look at, but out of the way so it is not retried on every start.
      fs.renameSync(file, `${file}.invalid`);
    }
  }
  return result;
}

/** Whether any session is saved (the CLI starts an agent for `status` only when there is one). */
export function hasSavedSessions(): boolean {
  const dir = sessionsDir();
  return fs.existsSync(dir) && fs.readdirSync(dir).some((entry) => entry.endsWith('.json'));
}
