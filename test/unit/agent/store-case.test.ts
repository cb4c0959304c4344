// Saved sessions on a case-insensitive volume (APFS's default): aliases that differ only in case get
// files of their own, and records of earlier releases (encodeURIComponent(alias).json) are migrated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacySessionFileName, sessionFileName } from '../../../src/agent/session-file.js';
import {
  forgetSession,
  hasSavedSessions,
  loadSessions,
  realSessionFiles,
  type SessionFiles,
  saveSession,
} from '../../../src/agent/store.js';
import type { SessionOptions } from '../../../src/config/resolve.js';
import { saved, sessionsDirPerTest } from './store-fixtures.js';

const sessionsDir = sessionsDirPerTest();

function caseInsensitiveVolume(): SessionFiles {
  const entries = new Map<string, { file: string; text: string }>();
  const get = (file: string) => {
    const entry = entries.get(file.toLowerCase());
    if (!entry) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
    return entry;
  };
  return {
    list: (dir) =>
      [...entries.values()].filter((e) => path.dirname(e.file) === dir).map((e) => path.basename(e.file)),
    read: (file) => get(file).text,
    write: async (file, text) => {
      entries.set(file.toLowerCase(), { file, text });
    },
    rename: (from, to) => {
      const { text } = get(from);
      entries.delete(from.toLowerCase());
      entries.set(to.toLowerCase(), { file: to, text });
    },
    remove: (file) => {
      entries.delete(file.toLowerCase());
    },
  };
}

const aliasesOf = (loaded: ReturnType<typeof loadSessions>) =>
  loaded.sessions.map((session) => session.options.alias);

/** A record as a release before this one wrote it: the same JSON, under encodeURIComponent(alias).json. */
async function writeLegacy(alias: string, files: SessionFiles, overrides: Partial<SessionOptions> = {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-store-legacy-'));
  const previous = process.env.TUNNEL_HOME;
  try {
    process.env.TUNNEL_HOME = scratch;
    await saveSession(saved(alias, overrides));
    const text = fs.readFileSync(path.join(scratch, 'sessions', sessionFileName(alias)), 'utf8');
    await files.write(path.join(sessionsDir(), legacySessionFileName(alias)), text);
  } finally {
    process.env.TUNNEL_HOME = previous;
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

describe('aliases that differ only in case (ssh Host matching is case-sensitive)', () => {
  it('file names are injective and distinct even ignoring case', () => {
    const aliases = [
      'DevServer',
      'devserver',
      'DEVSERVER',
      'a/b',
      'a%2Fb',
      'a%2fb',
      '^x',
      'X',
      'x',
      'host:22',
      'Host:22',
      'dév',
      'DÉV',
    ];
    const names = aliases.map(sessionFileName);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(aliases.length);
    expect(names.every((name) => name === name.toLowerCase())).toBe(true);
    expect(sessionFileName('DevServer')).toBe('^dev^server.json');
    expect(sessionFileName('devserver')).toBe('devserver.json');
  });

  it('DevServer and devserver saved at once on a case-insensitive volume both come back, each its own', async () => {
    const volume = caseInsensitiveVolume();
    await saveSession(saved('DevServer', { clusters: ['upper'] }), volume);
    await saveSession(saved('devserver', { clusters: ['lower'] }), volume);
    const loaded = loadSessions(volume);
    expect(loaded.problems).toEqual([]);
    expect(loaded.sessions.map((s) => [s.options.alias, s.options.clusters])).toEqual([
      ['DevServer', ['upper']],
      ['devserver', ['lower']],
    ]);
    forgetSession('devserver', volume);
    expect(aliasesOf(loadSessions(volume))).toEqual(['DevServer']);
  });

  it('records of earlier releases come back and are renamed (a case-only rename on APFS)', async () => {
    const volume = caseInsensitiveVolume();
    await writeLegacy('DevServer', volume);
    await writeLegacy('me@dev:2222', volume);
    expect(volume.list(sessionsDir()).sort()).toEqual(['DevServer.json', 'me%40dev%3A2222.json']);
    expect(aliasesOf(loadSessions(volume))).toEqual(['DevServer', 'me@dev:2222']);
    expect(volume.list(sessionsDir()).sort()).toEqual(['^dev^server.json', 'me%40dev%3a2222.json']);
    // Loaded again: the same, nothing left under an old name.
    expect(aliasesOf(loadSessions(volume))).toEqual(['DevServer', 'me@dev:2222']);
  });

  it('on a case-sensitive disk, the current record wins over a stale copy under the old name', async () => {
    await writeLegacy('DevServer', realSessionFiles, { clusters: ['old'] });
    await saveSession(saved('DevServer', { clusters: ['new'] }));
    const loaded = loadSessions();
    expect(loaded.sessions.map((s) => s.options.clusters)).toEqual([['new']]);
    expect(fs.readdirSync(sessionsDir())).toEqual(['^dev^server.json']);
  });

  // Downgraded, a release connected again and wrote under the old name; upgraded again, that newer
  // session must not be thrown away for the older record under the current name.
  it('a newer record under the old name (a downgraded release connected again) wins over an older one', async () => {
    await saveSession(saved('DevServer', { clusters: ['before-downgrade'] }));
    await writeLegacy('DevServer', realSessionFiles, { clusters: ['after-downgrade'] });
    const legacyFile = path.join(sessionsDir(), legacySessionFileName('DevServer'));
    const record = JSON.parse(fs.readFileSync(legacyFile, 'utf8')) as { createdAt: string };
    fs.writeFileSync(legacyFile, JSON.stringify({ ...record, createdAt: '2026-02-01T09:00:00.000Z' }));
    expect(loadSessions().sessions.map((s) => s.options.clusters)).toEqual([['after-downgrade']]);
    expect(fs.readdirSync(sessionsDir())).toEqual(['^dev^server.json']);
    expect(loadSessions().sessions.map((s) => s.options.clusters)).toEqual([['after-downgrade']]);
  });

  it("forget removes an old-named record only when it is that alias's, not the other host's", async () => {
    const volume = caseInsensitiveVolume();
    // Before this release both aliases shared one file there; it holds devserver's record.
    await writeLegacy('devserver', volume);
    forgetSession('DevServer', volume);
    expect(volume.list(sessionsDir())).toEqual(['devserver.json']);
    await writeLegacy('DevServer', realSessionFiles);
    forgetSession('DevServer');
    expect(hasSavedSessions()).toBe(false);
  });
});
