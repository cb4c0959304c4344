// The session's kubeconfig follower: what it drops from k3d's kubeconfig is reported and logged, an entry
// of the same name it did not write is refused (reported, never replaced or removed), and entries from an
// older tunnel are taken over only when the session record lists them.

import { mkdtempSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { devServerOver } from '../../../src/devserver/dev-server.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import { MAX_REPORTED_DROPPED } from '../../../src/session/kubeconfig-dropped.js';
import { KubeconfigFollower } from '../../../src/session/kubeconfig-follow.js';
import { LiveConnection } from '../../../src/session/live-connection.js';
import type { SshLink } from '../../../src/ssh/types.js';
import { forwardSpec, k3dCluster } from '../../builders.js';

const k3dOutput = readFileSync(
  new URL('../../fixtures/kubeconfig/k3d-kubeconfig-get-my-app.txt', import.meta.url),
  'utf8',
);
const k3d: K3dInfo = {
  command: ['k3d'],
  path: 'k3d',
  foundVia: 'PATH',
  k3dVersion: 'v5.9.0',
  k3sVersion: undefined,
};
const api = forwardSpec({ kind: 'api', remotePort: 16443, localPort: 16443 });

/** A connection whose `k3d kubeconfig get` prints `output`. */
function connection(output: string): LiveConnection {
  const ssh = {
    target: { alias: 'devbox' },
    exec: async () => ({ stdout: output, stderr: '', code: 0, signal: undefined }),
  } as unknown as SshLink;
  return new LiveConnection({ ...devServerOver(ssh), k3d: async () => k3d });
}

const withExec = (() => {
  const config = parse(k3dOutput.replace(/^---\n/, ''));
  config.users[0].user.exec = {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: 'sh',
    args: ['-c', 'x'],
  };
  return `---\n${stringify(config)}`;
})();

let dir: string;
let file: string;
let logged: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tunnel-follow-'));
  file = path.join(dir, 'config');
  logged = [];
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const follower = (names: (cluster: string) => string = (cluster) => `k3d-${cluster}@devbox`) =>
  new KubeconfigFollower({
    mode: { kind: 'merge', file, switchContext: false },
    names,
    serverHost: '127.0.0.1',
    owner: 'devbox',
    log: (_level, message) => logged.push(message),
  });

describe('KubeconfigFollower', () => {
  it('reports and logs what it dropped, and writes none of it', async () => {
    const follow = follower();
    await follow.update(connection(withExec), [], [api]);
    expect(follow.report.dropped).toEqual([
      {
        cluster: 'my-app',
        context: 'k3d-my-app@devbox',
        path: 'users[].user.exec',
        reason: 'a credential plugin would run a program on this machine',
      },
    ]);
    expect(logged).toContain(
      "dropped users[].user.exec from k3d-my-app@devbox's kubeconfig: a credential plugin would run a program on this machine",
    );
    expect(await fs.readFile(file, 'utf8')).not.toContain('exec');
    expect(follow.contexts).toEqual(['k3d-my-app@devbox']);
  });

  it('logs thousands of dropped keys as one bounded line, once while they stay the same', async () => {
    const config = parse(k3dOutput.replace(/^---\n/, ''));
    for (let i = 0; i < 3000; i++) config.users[0].user[`k${i}`] = i;
    const noisy = `---\n${stringify(config)}`;
    const follow = follower();
    // No creation time (as an older k3d prints): every rediscovery fetches the kubeconfig again.
    for (let round = 0; round < 3; round++) await follow.update(connection(noisy), [], [api]);
    const lines = logged.filter((line) => line.includes('dropped'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^dropped 3000 fields from k3d-my-app@devbox's kubeconfig: users\[\]\.user\.k0 \(/,
    );
    expect(lines[0]).toContain(', and 2995 more');
    expect(lines[0]!.length).toBeLessThan(1000);
    expect(follow.report.dropped).toHaveLength(MAX_REPORTED_DROPPED);
    expect(follow.report.moreDropped).toBe(3000 - MAX_REPORTED_DROPPED);
    // What was dropped changed: said again.
    await follow.update(connection(withExec), [], [api]);
    expect(logged.filter((line) => line.includes('dropped'))).toHaveLength(2);
  });

  it('says it again for a re-created cluster (a new identity), not for the same one', async () => {
    const follow = follower();
    const created = (at: string) => [k3dCluster('my-app', { createdAt: at })];
    await follow.update(connection(withExec), created('2026-01-01T10:00:00Z'), [api]);
    await follow.update(connection(withExec), created('2026-01-01T10:00:00Z'), [api]);
    expect(logged.filter((line) => line.includes('dropped'))).toHaveLength(1);
    await follow.update(connection(withExec), created('2026-01-02T10:00:00Z'), [api]);
    expect(logged.filter((line) => line.includes('dropped'))).toHaveLength(2);
  });

  it("refuses the user's own context of that name, reports it, and disconnect leaves it", async () => {
    await fs.writeFile(
      file,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'my-app', cluster: { server: 'https://mine.example.com' } }],
        contexts: [{ name: 'my-app', context: { cluster: 'my-app', user: 'admin@my-app' } }],
        users: [{ name: 'admin@my-app', user: { token: 'mine' } }],
      }),
    );
    const before = await fs.readFile(file, 'utf8');
    const follow = follower((cluster) => cluster);
    await follow.update(connection(k3dOutput), [], [api]);
    expect(follow.report.contexts).toEqual([]);
    expect(follow.report.errors).toEqual([
      {
        cluster: 'my-app',
        error: expect.stringMatching(/already has a context named "my-app".*--context-name/),
      },
    ]);
    expect(follow.contexts).toEqual([]);
    expect(await follow.remove()).toEqual({ removed: [], left: [] });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });

  it('removes at disconnect only what it wrote, leaving an entry the user put in its place', async () => {
    const follow = follower();
    await follow.update(connection(k3dOutput), [], [api]);
    const config = parse(await fs.readFile(file, 'utf8'));
    delete config.contexts[0].context.extensions; // the user replaced our context with their own
    await fs.writeFile(file, stringify(config));
    // Disconnect must not claim it removed a context it left.
    expect(await follow.remove()).toEqual({ removed: [], left: ['k3d-my-app@devbox'] });
    const after = parse(await fs.readFile(file, 'utf8'));
    expect(after.contexts.map((entry: { name: string }) => entry.name)).toEqual(['k3d-my-app@devbox']);
    expect(after.clusters).toEqual([]);
    expect(logged).toContain(
      'kubeconfig: left context "k3d-my-app@devbox" in place: tunnel did not write it',
    );
  });

  it('takes over entries of an older tunnel listed in the session record, and marks them', async () => {
    const old = follower();
    await old.update(connection(k3dOutput), [], [api]);
    const config = parse(await fs.readFile(file, 'utf8'));
    // What tunnel wrote before the mark existed: the same entries without extensions.
    delete config.clusters[0].cluster.extensions;
    delete config.contexts[0].context.extensions;
    delete config.users[0].user.extensions;
    await fs.writeFile(file, stringify(config));

    const unlisted = follower();
    await unlisted.update(connection(k3dOutput), [], [api]);
    expect(unlisted.report.errors[0]?.error).toContain('that tunnel did not write for devbox');

    const restored = follower();
    restored.adopt(['k3d-my-app@devbox']);
    await restored.update(connection(k3dOutput), [], [api]);
    expect(restored.report.errors).toEqual([]);
    expect(await fs.readFile(file, 'utf8')).toContain('tunnel.dev/owner');
    expect(await restored.remove()).toEqual({ removed: ['k3d-my-app@devbox'], left: [] });
    expect(parse(await fs.readFile(file, 'utf8')).contexts).toEqual([]);
  });

  it('removes nothing from a standalone file at disconnect, and says so', async () => {
    const follow = new KubeconfigFollower({
      mode: { kind: 'standalone', file },
      names: (cluster) => `k3d-${cluster}@devbox`,
      serverHost: '127.0.0.1',
      owner: 'devbox',
      log: (_level, message) => logged.push(message),
    });
    await follow.update(connection(k3dOutput), [], [api]);
    const before = await fs.readFile(file, 'utf8');
    expect(await follow.remove()).toEqual({ removed: [], left: [] });
    expect(await fs.readFile(file, 'utf8')).toBe(before);
  });
});
