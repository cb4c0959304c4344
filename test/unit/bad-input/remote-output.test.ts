// Huge or endless remote output is bounded: exec keeps at most maxOutputBytes per stream and drains the
// rest, an abort ends an endless stream, and k3d refuses to parse output that was cut off.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { getKubeconfig, listClusters } from '../../../src/remote/k3d.js';
import type { K3dInfo } from '../../../src/remote/types.js';
import { execOnClient } from '../../../src/ssh/exec.js';
import { type FakeChannel, fakeClient, fakeConnection } from './fake-ssh.js';

const CHUNK = Buffer.alloc(64 * 1024, 0x7b); // '{' — the start of a JSON document that never ends
const k3d: K3dInfo = {
  command: ['k3d'],
  path: 'k3d',
  foundVia: 'PATH',
  k3dVersion: undefined,
  k3sVersion: undefined,
};
const fixture = readFileSync(new URL('../../fixtures/k3d/cluster-list.json', import.meta.url), 'utf8');

/** Streams `chunks` chunks on stdout and stderr (Infinity: until closed), then exits 0 and closes. */
function stream(chunks: number) {
  const sent = { count: 0 };
  const answer = (channel: FakeChannel) => {
    const pump = () => {
      if (channel.closed) return;
      if (sent.count >= chunks) {
        channel.emit('exit', 0);
        channel.close();
        return;
      }
      sent.count++;
      channel.emit('data', CHUNK);
      channel.stderr.emit('data', CHUNK);
      setImmediate(pump);
    };
    pump();
  };
  return { answer, sent };
}

describe('exec output limits', () => {
  it('keeps at most maxOutputBytes of 64 MiB per stream and reports truncated', async () => {
    const { answer, sent } = stream(1024);
    const { client } = fakeClient(answer);
    const result = await execOnClient(client, 'yes', { maxOutputBytes: 100_000 });
    expect(sent.count).toBe(1024); // drained to the end, so the channel could close
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBe(100_000);
    expect(Buffer.byteLength(result.stderr)).toBe(100_000);
    expect(result.code).toBe(0);
  });

  it('ends an endless stream on abort with the abort reason, and the stream stops', async () => {
    const { answer, sent } = stream(Number.POSITIVE_INFINITY);
    const { client } = fakeClient(answer);
    const controller = new AbortController();
    const reason = new TunnelError('REMOTE_COMMAND', 'stopped', { hint: 'h' });
    const run = execOnClient(client, 'yes', {
      maxOutputBytes: 4096,
      signal: controller.signal,
      onOutput: () => {
        if (sent.count === 500) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    const stoppedAt = sent.count;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent.count).toBe(stoppedAt);
  });

  it('bounds output for any chunking and limit', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 2000 }),
        async (chunks, max) => {
          const { client } = fakeClient((channel) => {
            for (const chunk of chunks) channel.emit('data', Buffer.from(chunk));
            channel.emit('exit', 0);
            channel.close();
          });
          const result = await execOnClient(client, 'x', { maxOutputBytes: max });
          const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
          const kept = Buffer.concat(chunks.map((chunk) => Buffer.from(chunk))).subarray(0, max);
          expect(result.stdout).toBe(kept.toString('utf8'));
          expect(result.truncated === true).toBe(total > max);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('k3d refuses truncated output', () => {
  it('listClusters: K3D_OUTPUT "cut off", never a parse of half a JSON document', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: fixture.length - 1 }), async (max) => {
        const { conn } = fakeConnection((channel) => {
          channel.emit('data', Buffer.from(fixture));
          channel.emit('exit', 0);
          channel.close();
        });
        const error = await listClusters(conn, k3d, { maxOutputBytes: max }).catch(
          (caught: unknown) => caught,
        );
        expect(error).toBeInstanceOf(TunnelError);
        expect((error as TunnelError).code).toBe('K3D_OUTPUT');
        expect((error as TunnelError).message).toMatch(/cut off/);
        expect((error as TunnelError).hint).toBeTruthy();
      }),
      { numRuns: 100 },
    );
  });

  it('listClusters and getKubeconfig on an endless stream: K3D_OUTPUT once the stream ends', async () => {
    for (const run of [
      (conn: Parameters<typeof listClusters>[0]) => listClusters(conn, k3d, { maxOutputBytes: 1 << 20 }),
      (conn: Parameters<typeof listClusters>[0]) =>
        getKubeconfig(conn, k3d, 'app', { maxOutputBytes: 1 << 20 }),
    ]) {
      const { conn } = fakeConnection(stream(256).answer); // 16 MiB per stream
      const error = await run(conn).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TunnelError);
      expect((error as TunnelError).code).toBe('K3D_OUTPUT');
      expect((error as TunnelError).message.length).toBeLessThan(300);
    }
  });
});
