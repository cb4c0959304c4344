import net from 'node:net';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../../src/ssh/coalesce.js';

/** A Writable that records each batch it is asked to write (write = 1 chunk, writev = n chunks). */
function recorder() {
  const batches: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      batches.push([chunk.toString()]);
      callback();
    },
    writev(chunks, callback) {
      batches.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      callback();
    },
  });
  return { stream, batches };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  it('sends everything written in one turn as one batch, and later writes as the next', async () => {
    const { stream, batches } = recorder();
    expect(coalesceWrites(stream)).toBe(true);
    stream.write('a');
    stream.write('b');
    stream.write('c');
    expect(batches).toEqual([]);
    await turn();
    expect(batches).toEqual([['a', 'b', 'c']]);
    stream.write('d');
    await turn();
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('writes from several I/O callbacks of one poll leave together', async () => {
    const { stream, batches } = recorder();
    coalesceWrites(stream);
    // Two callbacks run in one loop phase, as two sockets readable in one epoll batch are. setImmediate,
    // not setTimeout(0): two timers may expire a millisecond apart on a loaded machine and run in two turns.
    await new Promise<void>((resolve) => {
      setImmediate(() => stream.write('from socket 1'));
      setImmediate(() => {
        stream.write('from socket 2');
        resolve();
      });
    });
    await turn();
    expect(batches).toEqual([['from socket 1', 'from socket 2']]);
  });

  it('end() in the same turn flushes what was written before it, in order', async () => {
    const { stream, batches } = recorder();
    coalesceWrites(stream);
    stream.write('x');
    stream.end('y');
    await new Promise((resolve) => stream.once('finish', resolve));
    expect(batches.flat()).toEqual(['x', 'y']);
  });

  it('is idempotent and survives a stream destroyed before the flush', async () => {
    const { stream, batches } = recorder();
    expect(coalesceWrites(stream)).toBe(true);
    expect(coalesceWrites(stream)).toBe(true);
    stream.write('lost');
    stream.destroy();
    await turn();
    expect(batches).toEqual([]);
    expect(stream.destroyed).toBe(true);
  });

  it('refuses a stream without cork/uncork and leaves it alone', () => {
    const plain = { write: () => true } as unknown as Writable;
    expect(coalesceWrites(plain)).toBe(false);
  });

  it('a real TCP socket delivers exactly the bytes written, in order, whatever the turn boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { minLength: 1, maxLength: 6 }),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        async (turns) => {
          const received: Buffer[] = [];
          const server = net.createServer((socket) =>
            socket.on('data', (chunk: Buffer) => received.push(chunk)),
          );
          await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
          const { port } = server.address() as net.AddressInfo;
          const client = net.connect({ port, host: '127.0.0.1' });
          await new Promise((resolve) => client.once('connect', resolve));
          coalesceWrites(client);
          for (const chunks of turns) {
            for (const chunk of chunks) client.write(chunk);
            await turn();
          }
          const expected = Buffer.concat(turns.flat());
          await new Promise<void>((resolve) => client.end(resolve));
          const deadline = Date.now() + 5000;
          while (Buffer.concat(received).length < expected.length && Date.now() < deadline) await turn();
          client.destroy();
          await new Promise((resolve) => server.close(resolve));
          expect(Buffer.concat(received).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });
});
