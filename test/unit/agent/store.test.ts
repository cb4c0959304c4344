// The agent's saved sessions on disk (TUNNEL_HOME/sessions): what an agent restart brings back. Written
// and read in a temporary TUNNEL_HOME; a damaged file is reported and moved aside, never fatal.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { forgetSession, hasSavedSessions, loadSessions, saveSession } from '../../../src/agent/store.js';
import { saved, sessionsDirPerTest } from './store-fixtures.js';

const sessionsDir = sessionsDirPerTest();

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
