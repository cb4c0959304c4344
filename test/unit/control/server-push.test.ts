// A watch's updates on the agent's side of one connection (a fake socket whose queue the test fills and
// drains): updates carry the request's id and come before its reply; a watcher that does not read costs
// the agent one waiting update (the latest), written when the socket drains; a watch holds one slot.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../../../src/control/server.js';
import { type Handlers, ServerConnection } from '../../../src/control/server-connection.js';
import { noAgentDocument } from '../../../src/control/status-document.js';
import { silentLogger } from '../../../src/log.js';

/** A socket with Node's write accounting: past 16 KiB queued, write() says wait and a drain will come. */
class QueueSocket extends EventEmitter {
  destroyed = false;
  writable = true;
  writableLength = 0;
  writableNeedDrain = false;
  written: Record<string, unknown>[] = [];
  write(text: string): boolean {
    for (const part of text.split('\n').filter(Boolean)) this.written.push(JSON.parse(part));
    this.writableLength += Buffer.byteLength(text);
    if (this.writableLength >= 16 * 1024) this.writableNeedDrain = true;
    return !this.writableNeedDrain;
  }
  /** The CLI read everything queued. */
  drain(): void {
    this.writableLength = 0;
    this.writableNeedDrain = false;
    this.emit('drain');
  }
  pause(): void {}
  resume(): void {}
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}

function connect(limits = { maxInFlight: 32, highWaterBytes: 64 * 1024 }) {
  const socket = new QueueSocket();
  const watches: { context: RequestContext; end: () => void }[] = [];
  const handlers = {
    watch: (_request: unknown, context: RequestContext) =>
      new Promise((resolve) => watches.push({ context, end: () => resolve({}) })),
    status: () => ({ sessions: [] }),
  } as unknown as Handlers;
  const connection = new ServerConnection(socket as unknown as net.Socket, {
    handlers,
    log: silentLogger,
    agentVersion: '9.9.9',
    limits,
    badFrameLog: Object.assign(() => {}, { flush: () => {} }),
  });
  const send = (frame: object) => socket.emit('data', Buffer.from(`${JSON.stringify({ v: 1, ...frame })}\n`));
  return { socket, watches, connection, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const update = (seq: number, padding = '') => ({
  seq,
  document: { ...noAgentDocument(), sessions: [], padding } as never,
});

describe('watch updates on the agent side', () => {
  it('writes each update with the request id, then the reply; a push after the reply is dropped', async () => {
    const { socket, watches, send } = connect();
    send({ id: 4, type: 'watch' });
    const watch = watches[0];
    if (!watch) throw new Error('the watch handler did not run');
    watch.context.push(update(1));
    watch.context.push(update(2));
    watch.end();
    await tick();
    watch.context.push(update(3));
    expect(
      socket.written.map((frame) => [frame.id, frame.type, (frame.body as { seq?: number }).seq]),
    ).toEqual([
      [4, 'update', 1],
      [4, 'update', 2],
      [4, 'ok', undefined],
    ]);
  });

  it('keeps only the latest update while the CLI does not read, and writes it on drain', () => {
    const { socket, watches, send, connection } = connect({ maxInFlight: 32, highWaterBytes: 64 * 1024 });
    send({ id: 1, type: 'watch' });
    const watch = watches[0];
    if (!watch) throw new Error('the watch handler did not run');
    const big = 'x'.repeat(20 * 1024);
    for (let seq = 1; seq <= 1000; seq++) watch.context.push(update(seq, big));
    const queued = socket.written.length;
    // The queue reached the mark after a few documents; of the rest, the agent holds one, not 996.
    expect(queued).toBeLessThan(10);
    expect(socket.writableLength).toBeLessThan(64 * 1024 + 21 * 1024);
    expect(connection.stats().heldUpdates).toBe(1);
    socket.drain();
    const after = socket.written.slice(queued);
    expect(after.map((frame) => (frame.body as { seq: number }).seq)).toEqual([1000]);
    expect(connection.stats().heldUpdates).toBe(0);
  });

  it('a watch occupies one request slot while it lasts', async () => {
    const { watches, send, connection, socket } = connect({ maxInFlight: 1, highWaterBytes: 64 * 1024 });
    send({ id: 1, type: 'watch' });
    send({ id: 2, type: 'status' });
    await tick();
    expect(connection.stats()).toMatchObject({ inFlight: 1, queuedLines: 1 });
    expect(socket.written.some((frame) => frame.id === 2)).toBe(false);
    watches[0]?.end();
    await tick();
    await tick();
    expect(socket.written.map((frame) => [frame.id, frame.type])).toEqual([
      [1, 'ok'],
      [2, 'ok'],
    ]);
  });
});
