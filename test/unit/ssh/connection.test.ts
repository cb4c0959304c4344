import { EventEmitter } from 'node:events';
import type { Client } from 'ssh2';
import { describe, expect, it, vi } from 'vitest';
import { keepaliveFor } from '../../../src/ssh/connection.js';
import { openForward } from '../../../src/ssh/forward-channel.js';
import type { SshTarget } from '../../../src/ssh/types.js';

type ForwardCallback = (error: Error | undefined, channel: EventEmitter & { destroy(): void }) => void;

function channel() {
  return Object.assign(new EventEmitter(), { destroy: vi.fn() });
}

describe('openForward', () => {
  it('times out on its own and destroys a channel that opens afterwards', async () => {
    let late: (() => void) | undefined;
    const lateChannel = channel();
    const client = {
      forwardOut: (_a: string, _b: number, _h: string, _p: number, cb: ForwardCallback) => {
        late = () => cb(undefined, lateChannel);
      },
    } as unknown as Client;
    const error = await openForward(client, {
      host: '127.0.0.1',
      port: 80,
      source: undefined,
      timeoutMs: 20,
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/127\.0\.0\.1:80.*no answer within 20 ms/);
    late?.();
    expect(lateChannel.destroy).toHaveBeenCalled();
  });

  it('turns a synchronous "Not connected" into a rejected promise', async () => {
    const client = {
      forwardOut: () => {
        throw new Error('Not connected');
      },
    } as unknown as Client;
    const pending = openForward(client, { host: 'h', port: 1, source: undefined, timeoutMs: 1000 });
    await expect(pending).rejects.toMatchObject({ code: 'FORWARD', message: /Not connected/ });
  });

  it('explains an open failure by its RFC 4254 reason', async () => {
    const client = {
      forwardOut: (_a: string, _b: number, _h: string, _p: number, cb: ForwardCallback) =>
        cb(
          Object.assign(new Error('(SSH) Channel open failure: administratively prohibited'), { reason: 1 }),
          channel(),
        ),
    } as unknown as Client;
    await expect(
      openForward(client, { host: 'h', port: 1, source: undefined, timeoutMs: 1000 }),
    ).rejects.toMatchObject({
      hint: /AllowTcpForwarding/,
    });
  });
});

describe('keepaliveFor', () => {
  const target = (interval: number, count: number) =>
    ({ serverAliveIntervalSeconds: interval, serverAliveCountMax: count }) as SshTarget;
  it('is always on: 3 s x 3 unless a shorter ServerAliveInterval is set', () => {
    const policy = { hostKeyPolicy: { acceptNewHostKey: false } };
    expect(keepaliveFor(target(0, 3), policy)).toEqual({ intervalMs: 3000, countMax: 3 });
    expect(keepaliveFor(target(2, 4), policy)).toEqual({ intervalMs: 2000, countMax: 4 });
    // ServerAliveInterval 60 would see a dead link after 4 minutes: ours is used instead.
    expect(keepaliveFor(target(60, 4), policy)).toEqual({ intervalMs: 3000, countMax: 3 });
    expect(keepaliveFor(target(15, 0), { ...policy, keepaliveIntervalMs: 100 })).toEqual({
      intervalMs: 100,
      countMax: 3,
    });
  });
});
