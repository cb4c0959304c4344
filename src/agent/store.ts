// The agent's saved sessions: one JSON file per host under <state>/sessions, so an agent that is
// restarted (crash, kill -9, reboot with `agent install`) brings every session back on the same local
// ports. Runtime state only — what the user asked for plus what we chose — never secrets. Files are
// written atomically, 0600; an unreadable file is reported and skipped, never fatal. File names: see
// session-file.ts (case-insensitive volumes); records under the names of earlier releases are renamed.
import fs from 'node:fs';
import path from 'node:path';
import { atomicWrite } from '../atomic-file.js';
import { tunnelPaths } from '../config/paths.js';
import type { SessionOptions } from '../config/resolve.js';
import { deserializeOptions, serializeOptions } from '../control/session-options.js';
import { FieldError, isObject, readSessionOptions } from '../control/validate.js';
import { isSessionFile, legacySessionFileName, sessionFileName } from './session-file.js';

const RECORD_VERSION = 1;

export interface SavedSession {
  options: SessionOptions;
  /** Local port per forward id, as last applied. */
  ports: Map<string, number>;
  /** Kube contexts the session wrote (what disconnect removes). */
  contexts: string[];
  createdAt: string;
}

/** The file operations of the store; unit tests inject a case-insensitive volume (a Mac's APFS). */
export interface SessionFiles {
  /** Entry names of `dir` ([] when it is missing). */
  list(dir: string): string[];
  read(file: string): string;
  write(file: string, text: string): Promise<void>;
  rename(from: string, to: string): void;
  remove(file: string): void;
}

export const realSessionFiles: SessionFiles = {
  list: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []),
  read: (file) => fs.readFileSync(file, 'utf8'),
  write: (file, text) => atomicWrite(file, text),
  rename: (from, to) => fs.renameSync(from, to),
  remove: (file) => fs.rmSync(file, { force: true }),
};

function sessionsDir(): string {
  return tunnelPaths().sessionsDir;
}

function fileFor(alias: string): string {
  return path.join(sessionsDir(), sessionFileName(alias));
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

export async function saveSession(
  session: SavedSession,
  files: SessionFiles = realSessionFiles,
): Promise<void> {
  const record = {
    version: RECORD_VERSION,
    options: serializeOptions(withoutAcceptNew(session.options)),
    ports: [...session.ports.entries()],
    contexts: session.contexts,
    createdAt: session.createdAt,
  };
  await files.write(fileFor(session.options.alias), `${JSON.stringify(record, null, 2)}\n`);
}

export function forgetSession(alias: string, files: SessionFiles = realSessionFiles): void {
  files.remove(fileFor(alias));
  // A record an earlier release wrote and no load has renamed yet. Only if it is this alias's: on a
  // case-insensitive volume `DevServer.json` is also `devserver.json`, which may be the other host's.
  const legacy = path.join(sessionsDir(), legacySessionFileName(alias));
  try {
    if (parseRecord(files.read(legacy)).options.alias === alias) files.remove(legacy);
  } catch {
    // None, or unreadable: nothing of this alias's to forget.
  }
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

export function loadSessions(files: SessionFiles = realSessionFiles): LoadedSessions {
  const dir = sessionsDir();
  const result: LoadedSessions = { sessions: [], problems: [] };
  const byAlias = new Map<string, { name: string; session: SavedSession }[]>();
  for (const name of files.list(dir).filter(isSessionFile).sort()) {
    const file = path.join(dir, name);
    try {
      const session = parseRecord(files.read(file));
      const found = byAlias.get(session.options.alias) ?? [];
      byAlias.set(session.options.alias, [...found, { name, session }]);
    } catch (error) {
      result.problems.push({ file, error: error instanceof Error ? error.message : String(error) });
      // Kept for a person to look at, but out of the way so it is not retried on every start.
      files.rename(file, `${file}.invalid`);
    }
  }
  for (const [alias, found] of byAlias) result.sessions.push(migrate({ files, dir, alias, found }));
  return result;
}

interface Migration {
  files: SessionFiles;
  dir: string;
  alias: string;
  found: { name: string; session: SavedSession }[];
}

/**
 * One record per alias, under its current name. The newest session wins (a later `createdAt`: a
 * release downgraded to and back from may have connected again under the old name), and on a tie the
 * record already under the current name; an older-named winner is renamed to it (a case-only rename
 * on APFS, which rename(2) does in place). Any other copy of the alias is stale and removed.
 */
function migrate({ files, dir, alias, found }: Migration): SavedSession {
  const want = sessionFileName(alias);
  const rank = (entry: (typeof found)[number]) =>
    [entry.session.createdAt, entry.name === want ? 1 : 0] as const;
  const chosen = found.reduce((best, entry) => {
    const [a, b] = [rank(entry), rank(best)];
    return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]) ? entry : best;
  });
  for (const entry of found) {
    if (entry === chosen) continue;
    files.remove(path.join(dir, entry.name));
  }
  if (chosen.name !== want) {
    try {
      files.rename(path.join(dir, chosen.name), path.join(dir, want));
    } catch {
      // Left under its old name: it still loads, forget still finds it, the next start tries again.
    }
  }
  return chosen.session;
}

/** Whether any session is saved (the CLI starts an agent for `status` only when there is one). */
export function hasSavedSessions(files: SessionFiles = realSessionFiles): boolean {
  return files.list(sessionsDir()).some(isSessionFile);
}
