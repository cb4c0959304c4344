// Moves bytes between one accepted local socket and one SSH channel: backpressure both ways (the SSH
// window follows what the local client takes, see pumpToSocket), half-close passed through (an EOF on
// one side ends the other's writable side only), and full teardown when either side closes or fails.
// Counts bytes; never throws.
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { coalesceWrites } from '../ssh/coalesce.js';
import { HeldBlocks } from '../ssh/held-blocks.js';
import { windowBudget } from '../ssh/window.js';

export interface PipeCounters {
  bytesIn: number;
  bytesOut: number;
}

export interface PipeResult {
  /** The first error seen on either side, if any (a reset is an error; a clean close is not). */
  error: Error | undefined;
  /** Bytes from the dev server still held here when one side closed (a client that stopped reading). */
  leftBehind: number;
}

export interface PipeMeter {
  counters: PipeCounters;
  /** Called after every chunk is counted (the status feed's hook: O(1), no allocation). */
  onActivity?: (() => void) | undefined;
}

/**
 * Joins `socket` (local client) and `channel` (dev-server side). `counters.bytesOut` counts bytes sent
 * to the dev server, `bytesIn` bytes received from it. Resolves when both sides are closed.
 */
export function pipeBoth(socket: Socket, channel: Duplex, meter: PipeMeter): Promise<PipeResult> {
  return new Promise((resolve) => {
    let firstError: Error | undefined;
    let socketClosed = false;
    let channelClosed = false;
    let leftBehind = 0;
    const noteLeftBehind = () => {
      leftBehind = Math.max(leftBehind, channel.readableLength + socket.writableLength);
    };
    // A full close of either side takes the other with it: an ssh2 channel that is never closed lingers
    // half-open until the far side closes (ssh2 reference §2). Only a side still open is destroyed.
    const closeSocket = () => {
      if (!socketClosed) socket.destroy();
    };
    const closeChannel = () => {
      if (channelClosed) return;
      channel.destroy();
      // What it still buffers for a client that is gone is dropped: an ssh2 channel emits 'close' only
      // once its readable side was read to the end, so a paused one stayed open, with its data, forever.
      channel.resume();
    };
    const onError = (error: Error) => {
      firstError ??= error;
      noteLeftBehind();
      // One side failed: the conversation cannot continue, so tear both down.
      closeSocket();
      closeChannel();
    };
    const done = () => {
      if (socketClosed && channelClosed) resolve({ error: firstError, leftBehind });
    };
    socket.once('close', () => {
      socketClosed = true;
      noteLeftBehind();
      closeChannel();
      done();
    });
    channel.once('close', () => {
      channelClosed = true;
      noteLeftBehind();
      closeSocket();
      done();
    });
    socket.on('error', onError);
    channel.on('error', onError);
    // One writev per event-loop turn to the local client instead of one write per 32 KiB SSH payload.
    coalesceWrites(socket);
    pumpToChannel(socket, channel, meter);
    pumpToSocket(channel, socket, meter);
  });
}

/**
 * socket.pipe(channel) with the counting in the same listener: one 'data' listener (an emit with two
 * copies its listener array on every chunk) and three listeners per connection instead of pipe()'s eight.
 */
function pumpToChannel(socket: Socket, channel: Duplex, { counters, onActivity }: PipeMeter): void {
  socket.on('data', (chunk: Buffer) => {
    // ssh2 ends a channel's writable side itself when the server closes it: what the client still sends
    // is dropped, not an error, and not counted as sent; the socket stops reading, as pipe() paused it
    // when it unpiped on 'finish'.
    if (channel.writableEnded) {
      socket.pause();
      return;
    }
    counters.bytesOut += chunk.length;
    onActivity?.();
    if (!channel.write(chunk)) socket.pause();
  });
  channel.on('drain', () => socket.resume());
  socket.once('end', () => {
    if (!channel.writableEnded) channel.end();
  });
}

/**
 * channel.pipe(socket), plus what a client that stops reading needs: the SSH window follows what the
 * socket took (so the server stops once this process holds a window's worth plus the socket's queue),
 * and a payload that will wait in the queue does not keep a whole 64 KiB decrypt buffer alive.
 */
function pumpToSocket(channel: Duplex, socket: Socket, { counters, onActivity }: PipeMeter): void {
  const consumed = windowBudget(channel);
  // Bytes still queued from an earlier event-loop turn: the kernel buffer is full, the client is slow.
  let backedUp = false;
  const blocks = new HeldBlocks();
  channel.on('data', (chunk: Buffer) => {
    counters.bytesIn += chunk.length;
    onActivity?.();
    if (socket.destroyed) return;
    // The first write of a turn (coalesceWrites corks on it) sees only what earlier turns left queued.
    if (socket.writableCorked === 0) backedUp = socket.writableLength > 0;
    const ok = socket.write(backedUp ? blocks.hold(chunk) : chunk);
    // Counted as consumed once in the socket's queue, which holds at most its highWaterMark since we
    // pause at `false`: granting only once the kernel took it cut single-stream download by ~30%
    // in a bench run (the adjust left a turn later).
    consumed?.(chunk.length);
    if (!ok) channel.pause();
  });
  socket.on('drain', () => channel.resume());
  channel.once('end', () => socket.end());
}
