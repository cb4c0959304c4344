// The control socket under load: replies far over the request cap (status for the whole NodePort
// range), a client that writes without reading (backpressure), and a garbage flood (a bounded log).
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Handlers } from '../../src/control/server.js';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/control/server-connection.js';
import type { Logger } from '../../src/log.js';
import { forwardStatus } from '../builders.js';
import { client, env, forget, handlers, start, useControlSandbox } from './control-helpers.js';

useControlSandbox();

/** A session publishing 3,000 ports: the reply is well over 1 MiB. */
function bigStatus(count: number) {
  const forwards = Array.from({ length: count }, (_, i) => forwardStatus({ remotePort: 30000 + i }));
  return { sessions: [{ host: 'devserver', forwards }] };
}

function withStatus(status: Handlers['status']): Handlers {
  return { ...handlers, status };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** A raw client: writes what it is given, reads reply lines only once told to. */
async function rawClient() {
  const socket = net.connect(env.socketPath);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  const replies: Record<string, unknown>[] = [];
  let buffer = '';
  return {
    socket,
    replies,
    read() {
      socket.on('data', (chunk) => {
        const parts = (buffer + chunk.toString()).split('\n');
        buffer = parts.pop() ?? '';
        for (const part of parts) replies.push(JSON.parse(part) as Record<string, unknown>);
      });
      socket.resume();
    },
  };
}

describe('control socket limits', () => {
  it('delivers a status reply for 3,000 forwards (over 1 MiB) to the CLI', async () => {
    await start(undefined, { handlers: withStatus(() => bigStatus(3000) as never) });
    const cli = await client();
    const reply = (await cli.request('status', {})) as unknown as ReturnType<typeof bigStatus>;
    expect(JSON.stringify(reply).length).toBeGreaterThan(1024 * 1024);
    expect(reply.sessions[0]?.forwards).toHaveLength(3000);
    expect(reply.sessions[0]?.forwards[2999]?.remotePort).toBe(32999);
  });

  it('refuses a reply over the limit by saying so, and the connection carries on', async () => {
    await start(undefined, { handlers: withStatus(() => bigStatus(6000) as never) });
    const cli = await client({ maxReplyBytes: 1024 * 1024 });
    await expect(cli.request('status', {})).rejects.toMatchObject({
      code: 'PROTOCOL',
      message: expect.stringMatching(
        /^agent reply to status of 2\.\d MiB exceeds the limit of 1\.0 MiB; it was refused$/,
      ),
    });
    expect((await cli.hello('0.1.0')).agentVersion).toBe('9.9.9');
  });

  it('stops reading a client that sends 100k requests without reading, and resumes when it reads', async () => {
    let handled = 0;
    const server = await start(undefined, {
      handlers: withStatus(async (request) => {
        handled++;
        return { sessions: [{ host: request.host ?? 'all' }] } as never;
      }),
    });
    const flood = await rawClient();
    const total = 100_000;
    const lines = Array.from({ length: total }, (_, id) => `{"v":1,"id":${id},"type":"status"}\n`);
    flood.socket.write(lines.join(''));
    await until(
      () => server.connectionStats()[0]?.paused === true && server.connectionStats()[0]?.inFlight === 0,
    );
    const stats = server.connectionStats()[0];
    const { highWaterBytes } = DEFAULT_CONNECTION_LIMITS;
    // What it holds for the client: replies up to the high-water mark (plus the one that crossed it),
    // at most one read's worth of unread requests; most of the 100k were never even read.
    expect(stats?.writableBytes).toBeLessThan(highWaterBytes + 1024);
    expect(stats?.queuedLines).toBeLessThanOrEqual(Math.ceil((64 * 1024) / (lines[0]?.length ?? 1)));
    expect(handled).toBeLessThan(total / 5);
    flood.read();
    await until(() => flood.replies.length === total);
    expect(new Set(flood.replies.map((reply) => reply.id)).size).toBe(total);
    expect(handled).toBe(total);
    expect(server.connectionStats()[0]?.paused).toBe(false);
    flood.socket.destroy();
  });

  it('logs a garbage flood in a bounded number of lines, with the count of those left out', async () => {
    const logged: { message: string; fields: Record<string, unknown> }[] = [];
    const log: Logger = (_level, message, fields) => {
      logged.push({ message, fields: (fields ?? {}) as Record<string, unknown> });
    };
    let now = 0;
    const server = await start(undefined, { log, now: () => now });
    const garbage = await rawClient();
    garbage.read();
    garbage.socket.write('not json\n'.repeat(5000));
    await until(() => garbage.replies.length === 5000);
    const badLines = () => logged.filter((line) => line.message === 'bad control frame');
    expect(badLines()).toHaveLength(1);
    now += 10_000;
    garbage.socket.write('{"v":1}\n'.repeat(100));
    await until(() => garbage.replies.length === 5100);
    expect(badLines()).toHaveLength(2);
    expect(badLines()[1]?.fields).toMatchObject({ reason: 'missing-id', leftOut: 4999 });
    garbage.socket.destroy();
    forget(server);
    await server.close();
    // At shutdown the last count is written, so nothing goes unaccounted for.
    expect(badLines()).toHaveLength(3);
    expect(badLines()[2]?.fields).toMatchObject({ leftOut: 99 });
  });
});
