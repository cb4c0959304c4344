// Moves bytes between one accepted local socket and one SSH channel: backpressure both ways (pipe),
// half-close passed through (an EOF on one side ends the other's writable side only), and full
// teardown when either side closes or fails. Counts bytes; never throws.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { coalesceWrites } from '../ssh/coalesce.js';

export interface PipeCounters {
  bytesIn: number;
  bytesOut: number;
}

export interface PipeResult {
  /** The first error seen on either side, if any (a reset is an error; a clean close is not). */
  error: Error | undefined;
}

/**
 * Joins `socket` (local client) and `channel` (dev-server side). `counters.bytesOut` counts bytes sent
 * to the dev server, `bytesIn` bytes received from it. Resolves when both sides are closed.
 */
export function pipeBoth(socket: Socket, channel: Duplex, counters: PipeCounters): Promise<PipeResult> {
  return new Promise((resolve) => {
    let firstError: Error | undefined;
    let socketClosed = false;
    let channelClosed = false;
    // A full close of either side takes the other with it: an ssh2 channel that is never closed lingers
    // half-open until the far side closes (ssh2 reference §2). Only a side still open is destroyed.
    const closeSocket = () => {
      if (!socketClosed) socket.destroy();
    };
    const closeChannel = () => {
      if (!channelClosed) channel.destroy();
    };
    const onError = (error: Error) => {
      firstError ??= error;
      // One side failed: the conversation cannot continue, so tear both down.
      closeSocket();
      closeChannel();
    };
    const done = () => {
      if (socketClosed && channelClosed) resolve({ error: firstError });
    };
    socket.once('close', () => {
      socketClosed = true;
      closeChannel();
      done();
    });
    channel.once('close', () => {
      channelClosed = true;
      closeSocket();
      done();
    });
    socket.on('data', (chunk: Buffer) => {
      counters.bytesOut += chunk.length;
    });
    channel.on('data', (chunk: Buffer) => {
      counters.bytesIn += chunk.length;
    });
    socket.on('error', onError);
    channel.on('error', onError);
    // One writev per event-loop turn to the local client instead of one write per 32 KiB SSH payload.
    coalesceWrites(socket);
    socket.pipe(channel);
    channel.pipe(socket);
  });
}
