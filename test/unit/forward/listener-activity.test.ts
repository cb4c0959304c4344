// The listener's activity hook, which the agent's status feed hangs on: every change of a forward's
// counters (an accept, each chunk either way, a close, a refused channel) is followed by a call, so a
// watcher never misses the last one; and a listener with no hook works as before.
import net from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ListenerSet } from '../../../src/forward/listener-set.js';
import type { ChannelOpener, ForwardStats } from '../../../src/forward/types.js';
import { forwardSpec } from '../../builders.js';

const sets: ListenerSet[] = [];
afterEach(async () => {
  await Promise.all(sets.splice(0).map((set) => set.stopAll()));
});

/** A channel that echoes what it gets. */
const echo: ChannelOpener = async () =>
  new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      this.push(chunk);
      done();
    },
    final(done) {
      this.push(null);
      done();
    },
  });

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A listener set whose hook records the counters as they were at each call. */
async function watched(opener: ChannelOpener) {
  const seen: ForwardStats[] = [];
  const set: ListenerSet = new ListenerSet(opener, () => {}, {
    onActivity: () => seen.push({ ...(set.snapshot()[0] as { stats: ForwardStats }).stats }),
  });
  sets.push(set);
  const port = await freePort();
  await set.apply([forwardSpec({ localPort: port })]);
  const stats = () => (set.snapshot()[0] as { stats: ForwardStats }).stats;
  return { seen, port, stats };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('ListenerOptions.onActivity', () => {
  it('is called after every change of the counters: accept, each chunk, close', async () => {
    const { seen, port, stats } = await watched(echo);
    const client = net.connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => client.once('connect', resolve));
    await until(() => seen.some((entry) => entry.open === 1));
    let received = 0;
    client.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    for (let round = 1; round <= 5; round++) {
      client.write('x'.repeat(1000));
      await until(() => received === round * 1000);
    }
    // Each chunk was reported as it was counted: the bytes seen climb round by round, both ways.
    const outSeen = new Set(seen.map((entry) => entry.bytesOut));
    const inSeen = new Set(seen.map((entry) => entry.bytesIn));
    for (const bytes of [1000, 2000, 3000, 4000, 5000]) {
      expect(outSeen).toContain(bytes);
      expect(inSeen).toContain(bytes);
    }
    client.end();
    await until(() => stats().open === 0);
    expect(seen.at(-1)).toEqual(stats());
    expect(stats()).toMatchObject({ total: 1, open: 0, bytesIn: 5000, bytesOut: 5000 });
  });

  it('is called when the dev server refuses the channel', async () => {
    const refused: ChannelOpener = () => Promise.reject(new Error('connection refused'));
    const { seen, port, stats } = await watched(refused);
    const client = net.connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => client.once('close', resolve));
    await until(() => stats().open === 0 && stats().failed === 1);
    expect(seen.at(-1)).toEqual(stats());
    expect(stats().lastError).toContain('connection refused');
  });
});
