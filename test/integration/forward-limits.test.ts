// The per-forward connection limit over real loopback TCP (plain-TCP "channels", no sshd needed).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ListenerSet } from '../../src/forward/listener-set.js';
import { forwardFixtures, spec, tcpOpener } from './forward-fixtures.js';

const fixtures = forwardFixtures();

/** Connects and resolves with what happened first: the connection was served, or closed on us. */
function connectAndWait(port: number, clients: net.Socket[]): Promise<'served' | 'closed'> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    clients.push(socket);
    socket.on('error', () => resolve('closed'));
    socket.once('data', () => resolve('served'));
    socket.once('close', () => resolve('closed'));
  });
}

describe('forward connection limit', () => {
  it('refuses connections past maxConnections with one log line, and accepts again below it', async () => {
    const remote = await fixtures.listen((socket) => {
      socket.on('error', () => {});
      socket.write('hi');
      // Held open until the client leaves (its EOF is passed through as half-close).
      socket.resume();
      socket.once('end', () => socket.end());
    });
    const local = await fixtures.freePort();
    const lines: Array<[string, string, object | undefined]> = [];
    const set = fixtures.track(
      new ListenerSet(tcpOpener, (level, message, fields) => lines.push([level, message, fields]), {
        maxConnections: 2,
      }),
    );
    expect((await set.apply([spec(local, remote)])).failed).toEqual([]);
    const clients: net.Socket[] = [];
    try {
      expect(await connectAndWait(local, clients)).toBe('served');
      expect(await connectAndWait(local, clients)).toBe('served');
      expect(await connectAndWait(local, clients)).toBe('closed');
      expect(await connectAndWait(local, clients)).toBe('closed');
      // One line for the burst (rate-limited), saying what and why; the forward says it too.
      expect(lines).toEqual([
        [
          'warn',
          'refused 1 new connection(s): 2 already open on this forward',
          { forward: set.snapshot()[0]!.spec.id, maxConnections: 2 },
        ],
      ]);
      expect(set.snapshot()[0]!.stats).toMatchObject({
        open: 2,
        lastError: 'refused a connection: 2 already open, the limit for one forward',
      });
      clients[0]!.destroy();
      await expect.poll(() => set.snapshot()[0]!.stats.open).toBe(1);
      expect(await connectAndWait(local, clients)).toBe('served');
    } finally {
      for (const client of clients) client.destroy();
    }
  });
});
