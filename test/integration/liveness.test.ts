// The link check against a real OpenSSH sshd (in its own network namespace) whose user has a slow shell
// startup (~/.bashrc sleeps 8 s): a network change on the laptop (a VPN or docker network coming up,
// played through the session's network fingerprint, what the wake watch reads) during a download must
// only ask the server for a keepalive answer, never tear the connection down; and a burst of 2,000
// clients after a short outage (their channel opens slow enough to trigger link checks) must all be
// served (the old `exec true` probe timed out behind the slow shell and dropped ~500 piped clients).
// The session runs in this process (ManagedSession, as the agent runs it) so the fingerprint can be changed.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultServiceSelection, type SessionOptions } from '../../src/config/resolve.js';
import { ManagedSession } from '../../src/session/managed-session.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { observed, rawRequest, sleep } from './fault-helpers.js';

const MiB = 1024 * 1024;
/** Long enough to outlast the wake watch's tick (5 s) plus a whole probe timeout (5 s) several times. */
const DOWNLOAD_BYTES = 48 * MiB;
/** The reader paces itself to about this rate, so the download lasts ~16 s whatever the machine. */
const READ_RATE = 3 * MiB;
const SHELL_STARTUP_S = 8;

let devserver: DevServer;

interface Download {
  bytes: number;
  /** Every byte was what the service sends ('x'); false on the first other byte. */
  intact: boolean;
  complete: boolean;
  error: string | undefined;
}

/** GET /bytes/N through the forward, read at READ_RATE; `onProgress` sees the byte count. */
function download(port: number, total: number, onProgress: (bytes: number) => void): Promise<Download> {
  return new Promise((resolve) => {
    const result: Download = { bytes: 0, intact: true, complete: false, error: undefined };
    const startedAt = Date.now();
    const request = http.get(
      { host: '127.0.0.1', port, path: `/bytes/${total}`, agent: false },
      (response) => {
        response.on('data', (chunk: Buffer) => {
          if (result.intact && chunk.some((byte) => byte !== 0x78)) result.intact = false;
          result.bytes += chunk.length;
          onProgress(result.bytes);
          const aheadMs = (result.bytes / READ_RATE) * 1000 - (Date.now() - startedAt);
          if (aheadMs > 50) {
            response.pause();
            setTimeout(() => response.resume(), aheadMs);
          }
        });
        response.on('end', () => {
          result.complete = response.complete && result.bytes === total;
          resolve(result);
        });
        response.on('error', (error) => resolve({ ...result, error: error.message }));
      },
    );
    request.on('error', (error) => resolve({ ...result, error: error.message }));
  });
}

function sessionOptions(): SessionOptions {
  return {
    alias: 'devserver',
    sshConfigFile: devserver.sshConfigFile,
    clusters: ['my-app'],
    maps: new Map(),
    bindAddress: '127.0.0.1',
    acceptNewHostKey: false,
    kubeconfig: { kind: 'none' },
    contextTemplate: 'k3d-{cluster}@{host}',
    holdTimeoutMs: 30_000,
    rediscoverIntervalMs: 30_000,
    transport: 'auto',
    askpass: undefined,
    services: defaultServiceSelection(),
  };
}

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('liveness.test.ts: skipped: the dev server runs in a network namespace (root)');
describe.skipIf(!isRoot)('the link check under a slow login shell (real sshd, netns)', () => {
  beforeAll(async () => {
    devserver = await startDevServer({ scenario: 'two-clusters.json', mode: 'netns' });
    // bash run by sshd reads ~/.bashrc (Debian's SSH_SOURCE_BASHRC): every session channel now waits.
    fs.writeFileSync(path.join(devserver.simHome, '.bashrc'), `sleep ${SHELL_STARTUP_S}\n`);
  }, 60_000);

  afterAll(async () => {
    await devserver?.stop();
  });

  async function startSession(lines: string[]): Promise<{ session: ManagedSession; port: number }> {
    const session = new ManagedSession({
      options: sessionOptions(),
      log: (level, message) => lines.push(`${level}: ${message}`),
      interaction: {},
    });
    const status = await session.start();
    const app = status.clusters.find((cluster) => cluster.name === 'my-app');
    const web = app?.forwards.find((forward) => forward.remotePort === 8080);
    if (!web) throw new Error('no forward for my-app:8080');
    return { session, port: web.localPort };
  }

  it('2,000 clients that arrive during a 3 s outage are all answered after it, none dropped', async () => {
    const lines: string[] = [];
    const { session, port } = await startSession(lines);
    const netns = devserver.netns!;
    try {
      // The link goes away for 3 s (shorter than keepalives need to give up): every client waits for its
      // channel, then all the opens reach sshd at once, and their answers take a while.
      netns.linkDown();
      const outcomes = Promise.all(Array.from({ length: 2_000 }, () => rawRequest(port, 120_000)));
      await sleep(3_000);
      netns.linkUp();
      const counts = { answered: 0, closed: 0, hung: 0 };
      for (const outcome of await outcomes) counts[outcome] += 1;
      observed('2,000 clients after a 3 s outage', JSON.stringify(counts));
      observed('burst log', lines.filter((line) => !line.startsWith('debug')).join(' | '));
      expect(counts).toEqual({ answered: 2_000, closed: 0, hung: 0 });
      const web = session.listeners.snapshot().find((forward) => forward.spec.localPort === port);
      expect(web?.stats).toMatchObject({ dropped: 0, failed: 0, heldTimedOut: 0 });
      expect(session.snapshot().reconnectCount).toBe(0);
    } finally {
      netns.linkUp();
      await session.stop();
    }
  }, 180_000);

  it('a network change during a download: the download completes intact, no reconnect', async () => {
    const lines: string[] = [];
    let fingerprint = 'eth0=192.168.1.20';
    const session = new ManagedSession({
      options: sessionOptions(),
      log: (level, message) => lines.push(`${level}: ${message}`),
      interaction: {},
      networkFingerprint: () => fingerprint,
    });
    try {
      const status = await session.start();
      const app = status.clusters.find((cluster) => cluster.name === 'my-app');
      const web = app?.forwards.find((forward) => forward.remotePort === 8080);
      expect(web).toBeDefined();
      let changedAt: number | undefined;
      const startedAt = Date.now();
      const result = await download(web!.localPort, DOWNLOAD_BYTES, (bytes) => {
        // A docker network (or a VPN) comes up a little into the download.
        if (changedAt === undefined && bytes > 4 * MiB) {
          changedAt = Date.now();
          fingerprint = 'br-4f2a=172.18.0.1,eth0=192.168.1.20';
        }
      });
      observed('slow-shell download (ms)', Date.now() - startedAt);
      expect(result).toEqual({ bytes: DOWNLOAD_BYTES, intact: true, complete: true, error: undefined });
      expect(changedAt).toBeDefined();
      // The change was seen and checked at the SSH level, and the link kept.
      expect(lines).toContain('info: network changed: network interfaces changed');
      const answered = lines.find((line) => line.startsWith('info: the link answered in'));
      expect(answered).toBeDefined();
      observed('slow-shell probe', answered);
      expect(lines.filter((line) => line.includes('connection lost'))).toEqual([]);
      expect(session.snapshot()).toMatchObject({ state: { kind: 'forwarding' }, reconnectCount: 0 });
    } finally {
      await session.stop();
    }
  }, 120_000);
});
