// The agent's saved sessions on disk (TUNNEL_HOME/sessions): what an agent restart brings back. Written
// and read in a temporary TUNNEL_HOME; a damaged file is reported and moved aside, never fatal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { legacySessionFileName, sessionFileName } from '../../../src/agent/session-file.js';
import {
  forgetSession,
  hasSavedSessions,
  loadSessions,
  realSessionFiles,
  type SavedSession,
  type SessionFiles,
  saveSession,
} from '../../../src/agent/store.js';
import type { SessionOptions } from '../../../src/config/resolve.js';

let home: string;
let previousHome: string | undefined;

beforeEach(() => {
  previousHome = process.env.TUNNEL_HOME;
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-store-'));
  process.env.TUNNEL_HOME = home;
});

afterEach(() => {
  if (previousHome === undefined) delete process.env.TUNNEL_HOME;
  else process.env.TUNNEL_HOME = previousHome;
  fs.rmSync(home, { recursive: true, force: true });
});

const sessionsDir = () => path.join(home, 'sessions');

function options(alias: string, overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    alias,
    sshConfigFile: '/home/me/.ssh/config',
    clusters: ['my-app'],
    maps: new Map([
      [8080, 18080],
      [3000, 13000],
    ]),
    bindAddress: '127.0.0.1',
    acceptNewHostKey: false,
    kubeconfig: { kind: 'merge', file: '/home/me/.kube/config', switchContext: true },
    contextTemplate: 'k3d-{cluster}@{host}',
    holdTimeoutMs: 45_000,
    rediscoverIntervalMs: 60_000,
    transport: 'openssh',
    askpass: '/usr/bin/ssh-askpass',
    ...overrides,
  };
}

function saved(alias: string, overrides: Partial<SessionOptions> = {}): SavedSession {
  return {
    options: options(alias, overrides),
    ports: new Map([
      ['my-app/api/127.0.0.1:16443', 41234],
      ['my-app/service/127.0.0.1:8080', 18080],
    ]),
    contexts: ['k3d-my-app@devserver'],
    createdAt: '2026-01-01T10:00:00.000Z',
  };
}

describe('saved sessions', () => {
  it('round-trip: what was saved loads back equal (maps and ports as Maps)', async () => {
    const first = saved('devserver');
    const second = saved('staging', { kubeconfig: { kind: 'none' }, clusters: [], maps: new Map() });
    await saveSession(first);
    await saveSession(second);
    const loaded = loadSessions();
    expect(loaded.problems).toEqual([]);
    expect(loaded.sessions).toEqual([first, second]);
    expect(loaded.sessions[0]!.options.maps).toBeInstanceOf(Map);
    expect(loaded.sessions[0]!.ports.get('my-app/api/127.0.0.1:16443')).toBe(41234);
  });

  it('saving again replaces the record of that host', async () => {
    await saveSession(saved('devserver'));
    const moved = { ...saved('devserver'), ports: new Map([['my-app/api/127.0.0.1:16443', 42000]]) };
    await saveSession(moved);
    expect(loadSessions().sessions).toEqual([moved]);
    expect(fs.readdirSync(sessionsDir())).toEqual(['devserver.json']);
  });

  it('keeps any alias (user@host:port, slashes, unicode) as one file that loads back', async () => {
    const aliases = ['me@dev.example.com:2222', 'a/b', 'dév'];
    for (const alias of aliases) await saveSession(saved(alias));
    expect(fs.readdirSync(sessionsDir())).toHaveLength(3);
    expect(
      loadSessions()
        .sessions.map((session) => session.options.alias)
        .sort(),
    ).toEqual([...aliases].sort());
    forgetSession('a/b');
    expect(loadSessions().sessions.map((session) => session.options.alias)).not.toContain('a/b');
  });

  it('writes files only the user can read (0600) in a private directory (0700)', async () => {
    await saveSession(saved('devserver'));
    expect(fs.statSync(path.join(sessionsDir(), 'devserver.json')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(sessionsDir()).mode & 0o777).toBe(0o700);
    // No temp file is left next to it.
    expect(fs.readdirSync(sessionsDir())).toEqual(['devserver.json']);
  });

  it('moves a damaged file aside as .invalid, reports it, and still loads the others', async () => {
    await saveSession(saved('devserver'));
    const broken = path.join(sessionsDir(), 'broken.json');
    fs.writeFileSync(broken, '{"version": 1, "options": ');
    const future = path.join(sessionsDir(), 'future.json');
    fs.writeFileSync(future, JSON.stringify({ version: 99 }));
    const loaded = loadSessions();
    expect(loaded.sessions.map((session) => session.options.alias)).toEqual(['devserver']);
    expect(loaded.problems).toEqual([
      { file: broken, error: expect.stringMatching(/JSON/) },
      { file: future, error: 'unknown record version' },
    ]);
    expect(fs.readdirSync(sessionsDir()).sort()).toEqual([
      'broken.json.invalid',
      'devserver.json',
      'future.json.invalid',
    ]);
    // Reported once: the next start does not trip over it again.
    expect(loadSessions().problems).toEqual([]);
  });

  it('forget removes the record; hasSavedSessions follows what is on disk', async () => {
    expect(hasSavedSessions()).toBe(false);
    expect(loadSessions()).toEqual({ sessions: [], problems: [] });
    await saveSession(saved('devserver'));
    expect(hasSavedSessions()).toBe(true);
    forgetSession('devserver');
    forgetSession('never-saved');
    expect(hasSavedSessions()).toBe(false);
    expect(loadSessions().sessions).toEqual([]);
  });

  it('never keeps --accept-new-host-key: saved as false, and an older record saying true loads as false', async () => {
    await saveSession(saved('devserver', { acceptNewHostKey: true }));
    const file = path.join(sessionsDir(), 'devserver.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(record.options.acceptNewHostKey).toBe(false);
    expect(loadSessions().sessions[0]!.options.acceptNewHostKey).toBe(false);
    // A record written by an earlier release, with the flag saved as given.
    record.options.acceptNewHostKey = true;
    fs.writeFileSync(file, JSON.stringify(record));
    expect(loadSessions().sessions[0]!.options.acceptNewHostKey).toBe(false);
  });
});

/**
 * A directory on a case-insensitive volume (a Mac's default APFS): names that differ only in case are
 * one entry. A rename onto it replaces that entry under the new name; a case-only rename renames in place.
 */
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
