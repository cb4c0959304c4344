// ControlClient.watch against a fake agent socket: updates reach the caller in order, no reply timeout
// ends a long quiet watch, the agent's `ok` ends it, its error rejects it, a closed connection rejects it
// as "agent unavailable", and cancel() ends it here by closing the connection.
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AgentUnavailableError, ControlClient, OLDER_AGENT } from '../../../src/control/client.js';
import type { WatchUpdate } from '../../../src/control/protocol.js';
import { noAgentDocument } from '../../../src/control/status-document.js';
import { FakeSocket } from './fake-socket.js';

let socket: FakeSocket;
let client: ControlClient;
beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  client = new ControlClient(socket as unknown as net.Socket, { timeoutMs: 1000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function agentSends(frame: object): void {
  socket.emit('data', Buffer.from(`${JSON.stringify({ v: 1, ...frame })}\n`));
}

function outcome(promise: Promise<unknown>) {
  const seen: { error?: Error; done: boolean } = { done: false };
  promise.then(
    () => Object.assign(seen, { done: true }),
    (error: Error) => Object.assign(seen, { done: true, error }),
  );
  return seen;
}

const document = { ...noAgentDocument(), sessions: [] };

describe('ControlClient.watch', () => {
  it('sends one watch request and hands over every update, with no reply timeout', async () => {
    const updates: WatchUpdate[] = [];
    const watch = client.watch({ host: 'devbox', minIntervalMs: 250 }, (update) => updates.push(update));
    expect(socket.written.map((text) => JSON.parse(text))).toEqual([
      { v: 1, id: 1, type: 'watch', host: 'devbox', minIntervalMs: 250 },
    ]);
    const seen = outcome(watch.ended);
    agentSends({ id: 1, type: 'update', body: { seq: 1, document } });
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    agentSends({ id: 1, type: 'update', body: { seq: 2, document } });
    await vi.advanceTimersByTimeAsync(0);
    expect(updates.map((update) => update.seq)).toEqual([1, 2]);
    expect(seen.done).toBe(false);
  });

  it('ends when the agent ends the watch (it shuts down)', async () => {
    const watch = client.watch({}, () => {});
    const seen = outcome(watch.ended);
    agentSends({ id: 1, type: 'ok', body: {} });
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual({ done: true });
  });

  it('rejects with AgentUnavailableError when the connection closes', async () => {
    const watch = client.watch({}, () => {});
    const seen = outcome(watch.ended);
    socket.emit('close');
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.error).toBeInstanceOf(AgentUnavailableError);
  });

  it("rejects with the agent's error (an unknown host), keeping its hint", async () => {
    const watch = client.watch({ host: 'nope' }, () => {});
    agentSends({
      id: 1,
      type: 'error',
      error: { code: 'STATE', message: 'no session for nope', hint: 'tunnel connect nope' },
    });
    await expect(watch.ended).rejects.toMatchObject({ code: 'STATE', hint: 'tunnel connect nope' });
  });

  it('says an agent that does not know watch is older than this CLI, with the one next step', async () => {
    const watch = client.watch({}, () => {});
    // What an agent of a release before watch answers (protocolErrorFrame for an unknown type).
    agentSends({
      id: 1,
      type: 'error',
      error: {
        code: 'PROTOCOL',
        message: 'unknown request type "watch"',
        hint: 'Only the tunnel CLI should write to the control socket.',
      },
    });
    await expect(watch.ended).rejects.toMatchObject({
      code: 'PROTOCOL',
      message: OLDER_AGENT,
      hint: 'Run `tunnel agent stop` and retry (the next command starts this version).',
    });
  });

  it('cancel() ends the watch calmly and closes the connection; later updates go nowhere', async () => {
    const updates: WatchUpdate[] = [];
    const watch = client.watch({}, (update) => updates.push(update));
    watch.cancel();
    await expect(watch.ended).resolves.toBeUndefined();
    expect(socket.destroyed).toBe(true);
    agentSends({ id: 1, type: 'update', body: { seq: 1, document } });
    socket.emit('close');
    expect(updates).toEqual([]);
  });

  it('ends the watch with the error an update handler throws, instead of throwing out of the socket', async () => {
    const watch = client.watch({}, () => {
      throw new Error('cannot draw');
    });
    agentSends({ id: 1, type: 'update', body: { seq: 1, document } });
    await expect(watch.ended).rejects.toThrow('cannot draw');
  });

  it('rejects at once on a connection already closed', async () => {
    socket.destroyed = true;
    await expect(client.watch({}, () => {}).ended).rejects.toBeInstanceOf(AgentUnavailableError);
  });
});
