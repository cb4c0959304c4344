// A watch over a real Unix socket: a CLI that stops reading costs the agent one waiting update (the
// latest), not one per change; when it reads again it gets that latest one; the real client ends the
// watch by closing, which the handler sees as its signal.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Handlers, RequestContext } from '../../src/control/server.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/control/server-connection.js';
import { client, handlers, start, useControlSandbox } from './control-helpers.js';

useControlSandbox();

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A handler that keeps each watch's context, so the test pushes updates and sees the abort. */
function watching() {
  const contexts: RequestContext[] = [];
  const watchHandler: Handlers['watch'] = (_request, context) =>
    new Promise((resolve) => {
      contexts.push(context);
      context.signal.addEventListener('abort', () => resolve({}), { once: true });
    });
  return { contexts, handlers: { ...handlers, watch: watchHandler } as Handlers };
}

const padding = 'x'.repeat(16 * 1024);
const update = (seq: number) => ({ seq, document: { sessions: [], padding } as never });

describe('watch over the control socket', () => {
  it('holds one update for a CLI that does not read, and delivers the latest when it reads', async () => {
    const { contexts, handlers: withWatch } = watching();
    const server = await start(undefined, { handlers: withWatch });
    const socket = net.connect(server.socketPath);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.pause();
    socket.write('{"v":1,"id":1,"type":"watch"}\n');
    await until(() => contexts.length === 1);
    const context = contexts[0] as RequestContext;
    for (let seq = 1; seq <= 2000; seq++) context.push(update(seq)); // ~32 MiB of documents
    await until(() => server.connectionStats()[0]?.heldUpdates === 1);
    const { highWaterBytes } = DEFAULT_CONNECTION_LIMITS;
    expect(server.connectionStats()[0]?.writableBytes).toBeLessThan(highWaterBytes + 20 * 1024);

    const seqs: number[] = [];
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      const parts = (buffer + chunk.toString()).split('\n');
      buffer = parts.pop() ?? '';
      for (const part of parts) seqs.push((JSON.parse(part) as { body: { seq: number } }).body.seq);
    });
    socket.resume();
    await until(() => seqs.at(-1) === 2000);
    // The ones written before the queues (ours and the kernel's) filled, then straight to the last:
    // the hundreds in between were never kept.
    const before = seqs.length - 1;
    expect(seqs).toEqual([...Array.from({ length: before }, (_, i) => i + 1), 2000]);
    expect(before).toBeLessThan(200);
    expect(server.connectionStats()[0]?.heldUpdates).toBe(0);
    socket.destroy();
  });

  it("the client's watch gets each update, and cancel() ends it on the agent's side", async () => {
    const { contexts, handlers: withWatch } = watching();
    await start(undefined, { handlers: withWatch });
    const cli = await client();
    const seqs: number[] = [];
    const watch = cli.watch({ minIntervalMs: 250 }, (received) => seqs.push(received.seq));
    await until(() => contexts.length === 1);
    const context = contexts[0] as RequestContext;
    context.push(update(1));
    context.push(update(2));
    await until(() => seqs.length === 2);
    expect(seqs).toEqual([1, 2]);
    watch.cancel();
    await watch.ended;
    await until(() => context.signal.aborted);
  });
});
