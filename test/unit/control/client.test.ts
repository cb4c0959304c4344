// The CLI's control client against a fake agent socket: a reply over the limit is skipped to its end and
// refused, and an agent that stops sending halfway through one still gets the request to time out.
import type net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlClient } from '../../../src/control/client.js';
import { FakeSocket } from './fake-socket.js';

const MAX = 1024;
let socket: FakeSocket;
let client: ControlClient;
beforeEach(() => {
  vi.useFakeTimers();
  socket = new FakeSocket();
  client = new ControlClient(socket as unknown as net.Socket, { timeoutMs: 1000, maxReplyBytes: MAX });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The request's outcome, observed without an unhandled rejection while the clock is advanced. */
function outcome(promise: Promise<unknown>) {
  const seen: { error?: Error; done: boolean } = { done: false };
  promise.then(
    () => Object.assign(seen, { done: true }),
    (error: Error) => Object.assign(seen, { done: true, error }),
  );
  return seen;
}

describe('an oversize reply', () => {
  const head = '{"v":1,"id":1,"type":"ok","body":{"text":"';

  it('times out when the agent stalls halfway through it', async () => {
    const seen = outcome(client.request('status', {}));
    socket.emit('data', Buffer.from(head + 'x'.repeat(2 * MAX)));
    await vi.advanceTimersByTimeAsync(5000);
    expect(seen.error?.message).toBe('the agent did not answer status within 1000 ms');
  });

  it('waits while its bytes keep arriving, then refuses it saying so', async () => {
    const seen = outcome(client.request('status', {}));
    socket.emit('data', Buffer.from(head));
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(600);
      socket.emit('data', Buffer.from('x'.repeat(MAX)));
    }
    expect(seen.done).toBe(false);
    socket.emit('data', Buffer.from('"}}\n'));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.error?.message).toMatch(
      /^agent reply to status of .* exceeds the limit of .*; it was refused$/,
    );
  });
});
