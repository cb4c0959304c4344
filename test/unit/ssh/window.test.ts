// src/ssh/window.ts against a real ssh2 Channel (lib/Channel.js) with a fake protocol, fed the way
// ssh2 1.17's client.js CHANNEL_DATA handler feeds it, and a fake server that never sends past the window.
import { createRequire } from 'node:module';
import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { HELD_BLOCK_SIZE } from '../../../src/ssh/held-blocks.js';
import {
  ADJUST_AFTER_PACKETS,
  applyWindowPolicy,
  hasWindowPolicy,
  resetWindowPolicyFallbackLog,
  windowBudget,
} from '../../../src/ssh/window.js';

interface Ssh2Channel extends Duplex {
  incoming: { window: number; packetSize: number };
  outgoing: { id: number; state: string };
  _waitChanDrain: boolean;
}

const ssh2Channel = createRequire(import.meta.url)('ssh2/lib/Channel.js') as {
  Channel: new (client: unknown, info: unknown) => Ssh2Channel;
  MAX_WINDOW: number;
  PACKET_SIZE: number;
  WINDOW_THRESHOLD: number;
  windowAdjust: (channel: Ssh2Channel) => void;
};
const { Channel, MAX_WINDOW, PACKET_SIZE, WINDOW_THRESHOLD, windowAdjust } = ssh2Channel;
const THRESHOLD = ADJUST_AFTER_PACKETS * PACKET_SIZE;

function harness(options: { hook?: boolean; protocol?: object } = {}) {
  const adjusts: number[] = [];
  /** What the fake server may still send (its view of our window). */
  let remoteWindow = MAX_WINDOW;
  let blocked = false;
  let adjustedWhileBlocked = 0;
  const protocol = options.protocol ?? {
    channelWindowAdjust: (recipient: number, amount: number) => {
      expect(recipient).toBe(7);
      if (blocked) adjustedWhileBlocked += 1;
      adjusts.push(amount);
      remoteWindow += amount;
      expect(remoteWindow).toBeLessThanOrEqual(MAX_WINDOW);
    },
    channelEOF: () => {},
    channelClose: () => {},
    channelData: () => {},
  };
  const channel = new Channel(
    { _protocol: protocol },
    {
      type: 'direct-tcpip',
      incoming: { id: 0, window: MAX_WINDOW, packetSize: PACKET_SIZE, state: 'open' },
      outgoing: { id: 7, window: MAX_WINDOW, packetSize: PACKET_SIZE, state: 'open' },
    },
  );
  channel.on('error', () => {});
  const hooked = options.hook === false ? false : applyWindowPolicy(channel);
  // ssh2 1.17 lib/client.js CHANNEL_DATA, line for line.
  const deliver = (data: Buffer) => {
    if (channel.incoming.window === 0) return;
    channel.incoming.window -= data.length;
    if (channel.push(data) === false) {
      channel._waitChanDrain = true;
      blocked = true;
      return;
    }
    if (channel.incoming.window <= WINDOW_THRESHOLD) windowAdjust(channel);
  };
  /** The server sends one packet (at most `size`, never past the window); returns its length. */
  const send = (size = PACKET_SIZE) => {
    const length = Math.min(size, remoteWindow);
    if (length === 0) return 0;
    remoteWindow -= length;
    deliver(Buffer.alloc(length));
    if (!options.protocol) expect(channel.incoming.window).toBe(remoteWindow);
    expect(channel.incoming.window).toBeLessThanOrEqual(MAX_WINDOW);
    return length;
  };
  /** The reader takes `bytes` (or all) from the buffer. */
  const read = (bytes?: number) => {
    blocked = false;
    if (bytes === undefined) while (channel.read() !== null);
    else channel.read(Math.min(bytes, channel.readableLength));
  };
  return {
    channel,
    hooked,
    adjusts,
    send,
    read,
    remoteWindow: () => remoteWindow,
    adjustedWhileBlocked: () => adjustedWhileBlocked,
    unadjusted: () => MAX_WINDOW - channel.incoming.window,
  };
}

/** Lets a stream with a 'data' listener start flowing (that takes effect on the next tick). */
const tick = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => resetWindowPolicyFallbackLog());

describe('applyWindowPolicy (OpenSSH cadence)', () => {
  it('matches the ssh2 constants it was written for (2 MiB window, 32 KiB packets)', () => {
    expect(MAX_WINDOW).toBe(2 * 1024 * 1024);
    expect(PACKET_SIZE).toBe(32 * 1024);
  });

  it('grants the window back once more than 3 packets (96 KiB) are unadjusted, up to MAX_WINDOW', async () => {
    const h = harness();
    expect(h.hooked).toBe(true);
    expect(hasWindowPolicy(h.channel)).toBe(true);
    h.channel.on('data', () => {});
    await tick();
    for (let i = 0; i < 3; i++) h.send();
    expect(h.adjusts).toEqual([]);
    expect(h.unadjusted()).toBe(THRESHOLD);
    h.send();
    expect(h.adjusts).toEqual([4 * PACKET_SIZE]);
    expect(h.channel.incoming.window).toBe(MAX_WINDOW);
    for (let i = 0; i < 60; i++) h.send();
    expect(h.adjusts).toEqual(new Array(16).fill(4 * PACKET_SIZE));
    // Odd sizes: the adjust is whatever is unadjusted, as soon as that passes 96 KiB.
    const count = h.adjusts.length;
    h.send(50_000);
    h.send(THRESHOLD - 50_000);
    expect(h.adjusts.length).toBe(count);
    h.send(1);
    expect(h.adjusts.at(-1)).toBe(THRESHOLD + 1);
    expect(h.channel.incoming.window).toBe(MAX_WINDOW);
  });

  it('(without the hook) ssh2 waits until half the window is used: the problem being fixed', async () => {
    const h = harness({ hook: false });
    h.channel.on('data', () => {});
    await tick();
    for (let i = 0; i < 31; i++) h.send();
    expect(h.adjusts).toEqual([]);
    h.send();
    expect(h.adjusts).toEqual([MAX_WINDOW / 2]);
  });

  it('grants nothing while the reader applies backpressure, and resumes when it reads', () => {
    const h = harness();
    // Paused reader: the buffer fills to the 2 MiB highWaterMark, then push() says false.
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      const length = h.send();
      if (length === 0) break;
      sent += length;
    }
    expect(h.remoteWindow()).toBe(0); // the server ran out of window and stopped
    expect(h.adjustedWhileBlocked()).toBe(0);
    expect(h.channel.readableLength).toBe(sent);
    // Until push() first returned false (the 64th packet, at 2 MiB buffered) the cadence was OpenSSH's;
    // the server then used what was left of its window: 2 MiB buffered + 2 MiB - 4 packets.
    expect(h.adjusts).toEqual(new Array(15).fill(4 * PACKET_SIZE));
    expect(sent).toBe(2 * MAX_WINDOW - 4 * PACKET_SIZE);
    const before = h.adjusts.length;
    h.read(PACKET_SIZE); // still above the highWaterMark: no _read, no grant
    expect(h.adjusts.length).toBe(before);
    h.read();
    expect(h.adjusts.slice(before)).toEqual([MAX_WINDOW]);
    expect(h.channel.incoming.window).toBe(MAX_WINDOW);
  });

  it('never holds more than MAX_WINDOW in flight, never starves a reader that drained (property)', () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), size: fc.integer({ min: 1, max: PACKET_SIZE }) }),
      fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ kind: fc.constant('read' as const), bytes: fc.integer({ min: 1, max: 3 * MAX_WINDOW }) }),
      fc.record({ kind: fc.constant('drain' as const) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const h = harness();
        for (const step of actions) {
          if (step.kind === 'send') h.send(step.size);
          else if (step.kind === 'burst') for (let i = 0; i < step.count; i++) h.send();
          else if (step.kind === 'read') h.read(step.bytes);
          else h.read();
          expect(h.remoteWindow()).toBeLessThanOrEqual(MAX_WINDOW);
          expect(h.adjustedWhileBlocked()).toBe(0);
          if (step.kind === 'drain') expect(h.unadjusted()).toBeLessThanOrEqual(THRESHOLD);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('sends no WINDOW_ADJUST once the channel is closing', async () => {
    const h = harness();
    h.channel.on('data', () => {});
    await tick();
    h.channel.outgoing.state = 'closing';
    for (let i = 0; i < 8; i++) h.send();
    expect(h.adjusts).toEqual([]);
  });

  it('wraps a channel once', async () => {
    const h = harness();
    expect(applyWindowPolicy(h.channel)).toBe(true);
    h.channel.on('data', () => {});
    await tick();
    for (let i = 0; i < 4; i++) h.send();
    expect(h.adjusts).toEqual([4 * PACKET_SIZE]);
  });
});

describe('applyWindowPolicy fallback (ssh2 internals changed)', () => {
  it('leaves a channel without the expected internals alone and says so once (debug)', () => {
    const log = vi.fn();
    const plain = new Duplex({
      read() {},
      write(_c, _e, cb) {
        cb();
      },
    });
    const push = plain.push;
    expect(applyWindowPolicy(plain, { log })).toBe(false);
    expect(applyWindowPolicy(new Duplex({ read() {} }), { log })).toBe(false);
    expect(plain.push).toBe(push);
    expect(hasWindowPolicy(plain)).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith('debug', expect.stringMatching(/ssh2 internals changed.*incoming/), {
      ssh2Missing: 'channel.incoming.window',
    });
  });

  it('falls back when the protocol lost channelWindowAdjust, and ssh2 keeps its own policy', async () => {
    const log = vi.fn();
    const channelWindowAdjust = vi.fn();
    const protocol = { channelEOF: () => {}, channelClose: () => {}, channelData: () => {} };
    const h = harness({ hook: false, protocol });
    expect(applyWindowPolicy(h.channel, { log })).toBe(false);
    expect(log.mock.calls[0]?.[1]).toMatch(/channelWindowAdjust/);
    // Give ssh2 its method back after the check: the channel still follows ssh2's half-window rule.
    Object.assign(protocol, { channelWindowAdjust });
    h.channel.on('data', () => {});
    await tick();
    for (let i = 0; i < 31; i++) h.send();
    expect(channelWindowAdjust).not.toHaveBeenCalled();
    h.send();
    expect(channelWindowAdjust.mock.calls).toEqual([[7, MAX_WINDOW / 2]]);
  });

  it('falls back when the window is larger than the MAX_WINDOW it was given', () => {
    const h = harness({ hook: false });
    expect(applyWindowPolicy(h.channel, { maxWindow: MAX_WINDOW / 2 })).toBe(false);
    expect(hasWindowPolicy(h.channel)).toBe(false);
  });
});

describe('windowBudget (a forward grants only what its local socket took)', () => {
  /** The harness channel under a budget; `consume` reports bytes handed on, as the forward's pipe does. */
  function budgeted() {
    const h = harness();
    const consume = windowBudget(h.channel);
    if (!consume) throw new Error('no budget on a hooked channel');
    return { ...h, consume };
  }

  it('lets a server send one window and no more to a consumer that never takes anything', () => {
    const h = budgeted();
    let sent = 0;
    for (let i = 0; i < 1000; i++) {
      const length = h.send();
      if (length === 0) break;
      sent += length;
    }
    // Before: 2 MiB buffered and a further 2 MiB - 4 packets granted while paused (see above).
    expect(sent).toBe(MAX_WINDOW);
    expect(h.adjusts).toEqual([]);
    expect(h.channel.readableLength + h.remoteWindow()).toBe(MAX_WINDOW);
  });

  it('grants what was consumed, in OpenSSH steps (> 3 packets), never what is still held', () => {
    const h = budgeted();
    for (let i = 0; i < 64; i++) h.send();
    expect(h.remoteWindow()).toBe(0);
    h.read(); // the pipe moved it into the socket's queue: not consumed yet, so nothing granted
    expect(h.adjusts).toEqual([]);
    h.consume(THRESHOLD);
    expect(h.adjusts).toEqual([]);
    h.consume(1);
    expect(h.adjusts).toEqual([THRESHOLD + 1]);
    h.consume(MAX_WINDOW - THRESHOLD - 1);
    expect(h.adjusts).toEqual([THRESHOLD + 1, MAX_WINDOW - THRESHOLD - 1]);
    expect(h.remoteWindow()).toBe(MAX_WINDOW);
  });

  it('keeps what the server may send plus what is held here within MAX_WINDOW (property)', () => {
    const action = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), size: fc.integer({ min: 1, max: PACKET_SIZE }) }),
      fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 1, max: 80 }) }),
      fc.record({ kind: fc.constant('consume' as const), bytes: fc.integer({ min: 1, max: MAX_WINDOW }) }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 60 }), (actions) => {
        const h = budgeted();
        let received = 0;
        let consumed = 0;
        for (const step of actions) {
          if (step.kind === 'send') received += h.send(step.size);
          else if (step.kind === 'burst') for (let i = 0; i < step.count; i++) received += h.send();
          else {
            const bytes = Math.min(step.bytes, received - consumed);
            h.read(bytes);
            h.consume(bytes);
            consumed += bytes;
          }
          expect(h.remoteWindow() + (received - consumed)).toBeLessThanOrEqual(MAX_WINDOW);
          // Never starved: whatever was consumed beyond one adjust step has been granted back.
          expect(MAX_WINDOW - h.remoteWindow() - (received - consumed)).toBeLessThanOrEqual(THRESHOLD);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts what was granted before the budget started (a channel read before the pipe took it)', async () => {
    const h = harness();
    h.channel.on('data', () => {});
    await tick();
    for (let i = 0; i < 5; i++) h.send(); // 4 packets granted at once, 1 left unadjusted
    h.channel.pause();
    const consume = windowBudget(h.channel);
    for (let i = 0; i < 100; i++) h.send();
    expect(h.remoteWindow()).toBe(0);
    // The reader had taken the 5th packet, not yet granted: the budget counts it as consumed.
    expect(h.channel.readableLength).toBe(MAX_WINDOW - PACKET_SIZE);
    consume?.(THRESHOLD);
    expect(h.adjusts).toEqual([4 * PACKET_SIZE, THRESHOLD + PACKET_SIZE]);
  });

  it('has no budget on a channel left to ssh2 (the fallback)', () => {
    const h = harness({ hook: false });
    expect(windowBudget(h.channel)).toBeUndefined();
  });

  it('moves a payload that waits in a paused channel out of its (64 KiB) read buffer', () => {
    const h = harness();
    const read = Buffer.alloc(64 * 1024, 7);
    const payload = read.subarray(100, 110);
    h.channel.incoming.window -= payload.length;
    h.channel.push(payload);
    const queued = h.channel.read() as Buffer;
    expect(queued.equals(payload)).toBe(true);
    expect(queued.buffer).not.toBe(read.buffer);
    expect(queued.buffer.byteLength).toBe(HELD_BLOCK_SIZE);
  });
});
