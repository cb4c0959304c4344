// pipeBoth on in-memory streams: what the local client sends after the dev server ended the channel's
// writable side is neither counted as sent nor read further (the socket is paused, as pipe() did).
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pipeBoth } from '../../../src/forward/pipe.js';

function endpoint(): Duplex & { written: Buffer[] } {
  const written: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      callback();
    },
  });
  return Object.assign(stream, { written });
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('pipeBoth, client bytes after the channel stopped taking them', () => {
  it('counts and forwards bytes while the channel takes them, then drops later ones uncounted and pauses', async () => {
    const socket = endpoint();
    const channel = endpoint();
    const counters = { bytesIn: 0, bytesOut: 0 };
    let activity = 0;
    const piped = pipeBoth(socket as unknown as Socket, channel, { counters, onActivity: () => activity++ });
    socket.push(Buffer.from('hello'));
    await turn();
    expect(counters.bytesOut).toBe(5);
    expect(Buffer.concat(channel.written).toString()).toBe('hello');
    expect(socket.isPaused()).toBe(false);

    channel.end();
    socket.push(Buffer.from('too late'));
    await turn();
    expect(counters.bytesOut).toBe(5);
    expect(activity).toBe(1);
    expect(Buffer.concat(channel.written).toString()).toBe('hello');
    expect(socket.isPaused()).toBe(true);

    socket.destroy();
    const result = await piped;
    expect(result.error).toBeUndefined();
  });
});
