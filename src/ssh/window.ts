// An OpenSSH-like receive-window policy for the direct-tcpip channels we open with forwardOut.
//
// The problem (ssh2 reference §2, §7): ssh2 1.17 replenishes a channel's 2 MiB receive window only once
// half of it is used, in one ~1 MiB WINDOW_ADJUST, so the server has at most ~1 MiB + what is left in
// flight per round trip; at 20 ms RTT a download gets about half of `ssh -L`. OpenSSH (channels.c
// `channel_check_window`) adjusts as soon as more than 3 packets (3 × 32 KiB = 96 KiB) are consumed,
// keeping ~2 MiB in flight. This module gives our forward channels OpenSSH's cadence:
//   - after ssh2 pushed a CHANNEL_DATA payload and push() returned true (the reader keeps up), if more
//     than 3 × packetSize is received-but-not-yet-granted, grant all of it back in one WINDOW_ADJUST
//     (the window goes back to exactly MAX_WINDOW, never above);
//   - if push() returned false (the readable buffer is at its 2 MiB highWaterMark) nothing is granted
//     until the stream asks for more (`_read`), exactly ssh2's own backpressure rule. Worst case memory
//     per channel is then 2 MiB buffered + 2 MiB in flight, as with ssh2's policy;
//   - a forward's pipe switches its channel to a budget (windowBudget): window is granted only for bytes
//     handed on to the local socket (whose queue the pipe bounds at 256 KiB), as OpenSSH counts
//     `local_consumed`, so a local client that never reads costs MAX_WINDOW plus that queue here
//     (bench, 50 such clients: agent +322 MiB RSS before, +136 after; ssh -L +136).
//
// Why a runtime hook and not patch-package: a patch to node_modules/ssh2/lib/{client,Channel}.js would
// change every channel (exec sessions too), needs a postinstall script and allowScripts, silently stops
// applying (or fails `npm ci`) on any ssh2 release that touches those lines, and does not exist when we
// run from a different install (npx, a global install, a bundler). The hook touches only the channels
// openForward returns, is plain TypeScript we test, and is guarded: it reads ssh2's MAX_WINDOW and
// PACKET_SIZE from ssh2/lib/Channel.js and checks the Channel internals it relies on (incoming.window,
// incoming.packetSize, outgoing.id/state, _client._protocol.channelWindowAdjust, push, _read). If any
// is missing or of another shape after an ssh2 upgrade, the channel is left alone (ssh2's own, slower
// but correct policy) and one debug line says so; it never throws. ssh2's own adjust code stays in
// place as a backstop: it only fires when the window is at or below half, which our earlier adjusts
// prevent, and it too tops up to MAX_WINDOW at most.
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import type { Log } from './handshake.js';
import { HeldBlocks } from './held-blocks.js';
import { isObject } from './ssh2-internals.js';

/** OpenSSH grants the window back once more than this many maximum-size packets are consumed. */
export const ADJUST_AFTER_PACKETS = 3;

/** The parts of ssh2's Channel (lib/Channel.js, 1.17) the policy reads and writes. */
interface ChannelInternals {
  incoming: { window: number; packetSize: number };
  outgoing: { id: number; state: string };
  _client: { _protocol?: { channelWindowAdjust?: (recipient: number, amount: number) => void } };
  push: (chunk: unknown, encoding?: BufferEncoding) => boolean;
  _read: (size: number) => void;
}

export interface WindowPolicyOptions {
  /** ssh2's MAX_WINDOW; default read from ssh2/lib/Channel.js (tests pass their own). */
  maxWindow?: number;
  /** Told once per process (debug) when ssh2's internals do not look as expected. */
  log?: Log | undefined;
}

const applied = new WeakSet<object>();
const budgets = new WeakMap<object, () => (bytes: number) => void>();
let fallbackLogged = false;

interface Ssh2Constants {
  maxWindow: number | undefined;
  packetSize: number | undefined;
}
let constants: Ssh2Constants | undefined;

function ssh2Constants(): Ssh2Constants {
  if (constants) return constants;
  try {
    const channelModule = createRequire(import.meta.url)('ssh2/lib/Channel.js') as Record<string, unknown>;
    constants = {
      maxWindow: positiveInteger(channelModule.MAX_WINDOW),
      packetSize: positiveInteger(channelModule.PACKET_SIZE),
    };
  } catch {
    constants = { maxWindow: undefined, packetSize: undefined };
  }
  return constants;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Why the channel cannot take the policy, or undefined when it can. */
function missingInternals(channel: unknown, maxWindow: number | undefined): string | undefined {
  if (maxWindow === undefined) return 'ssh2/lib/Channel.js MAX_WINDOW';
  if (!isObject(channel)) return 'channel object';
  const { incoming, outgoing, _client: client } = channel;
  if (!isObject(incoming) || typeof incoming.window !== 'number') return 'channel.incoming.window';
  if (incoming.window > maxWindow) return 'channel.incoming.window <= MAX_WINDOW';
  if (positiveInteger(incoming.packetSize) === undefined) return 'channel.incoming.packetSize';
  if (!isObject(outgoing) || typeof outgoing.id !== 'number') return 'channel.outgoing.id';
  if (typeof outgoing.state !== 'string') return 'channel.outgoing.state';
  if (!isObject(client) || !isObject(client._protocol)) return 'channel._client._protocol';
  if (typeof client._protocol.channelWindowAdjust !== 'function') return 'protocol.channelWindowAdjust';
  if (typeof channel.push !== 'function' || typeof channel._read !== 'function') return 'channel.push/_read';
  return undefined;
}

/**
 * Gives one freshly opened forwardOut channel OpenSSH's window-adjust cadence (see the top of this
 * file). Call it synchronously in the forwardOut callback, before any data can arrive. Returns false
 * (and leaves the channel to ssh2's own policy) when ssh2's internals are not what this relies on.
 */
export function applyWindowPolicy(channel: Duplex, options: WindowPolicyOptions = {}): boolean {
  if (applied.has(channel)) return true;
  const maxWindow = options.maxWindow ?? ssh2Constants().maxWindow;
  const missing = missingInternals(channel, maxWindow);
  if (missing !== undefined || maxWindow === undefined) {
    if (!fallbackLogged) {
      fallbackLogged = true;
      options.log?.('debug', `ssh2 internals changed (${missing}); using ssh2's own channel window policy`, {
        ssh2Missing: missing,
      });
    }
    return false;
  }
  const internals = channel as unknown as ChannelInternals;
  const threshold = ADJUST_AFTER_PACKETS * internals.incoming.packetSize;
  const originalPush = internals.push;
  const originalRead = internals._read;
  // push() returned false: the reader is applying backpressure; grant nothing until it reads.
  let blocked = false;
  const blocks = new HeldBlocks();
  /** Set by windowBudget(): grant only what the consumer reported consumed (see there). */
  let budget: { consumed: number } | undefined;

  const grant = (amount: number) => {
    const state = internals.outgoing.state;
    // Not after we sent CHANNEL_CLOSE (ssh2 PR #1483), nor once ssh2 marked the channel closed.
    if (state !== 'open' && state !== 'eof') return false;
    const protocol = internals._client._protocol;
    if (typeof protocol?.channelWindowAdjust !== 'function') return false;
    internals.incoming.window += amount;
    protocol.channelWindowAdjust(internals.outgoing.id, amount);
    return true;
  };
  const topUp = () => {
    const unadjusted = maxWindow - internals.incoming.window;
    if (unadjusted > threshold) grant(unadjusted);
  };

  // ssh2's CHANNEL_DATA handler: window -= data.length; if (!push(data)) wait for _read; else adjust
  // at half. Hooking push sees each payload right after the window was charged for it.
  internals.push = function push(this: unknown, chunk: unknown, encoding?: BufferEncoding): boolean {
    const queued = channel.readableFlowing !== true || channel.readableLength > 0;
    // A payload that will wait in the readable buffer moves to a block of ours (held-blocks.ts).
    const held = queued && Buffer.isBuffer(chunk) ? blocks.hold(chunk) : chunk;
    const accepted = originalPush.call(this, held, encoding);
    if (chunk === null || chunk === undefined) return accepted;
    // Under a budget ssh2 must never adjust on its own (it would top up to MAX_WINDOW at half): to
    // ssh2 every push "fails", so it waits for _read, which no longer adjusts either.
    if (budget) return false;
    blocked = !accepted;
    if (accepted) topUp();
    return accepted;
  };
  internals._read = function read(this: unknown, size: number): void {
    if (budget) return;
    originalRead.call(this, size);
    if (blocked) {
      blocked = false;
      topUp();
    }
  };
  budgets.set(channel, () => {
    // Received but not yet granted, less what still sits unread in the readable buffer: that much
    // has already been consumed. Negative when we granted ahead (the debt is repaid first).
    budget ??= { consumed: maxWindow - internals.incoming.window - channel.readableLength };
    const state = budget;
    return (bytes: number) => {
      state.consumed += bytes;
      if (state.consumed > threshold && grant(state.consumed)) state.consumed = 0;
    };
  });
  applied.add(channel);
  return true;
}

/**
 * Switches a channel under the policy to OpenSSH's accounting (channels.c `local_consumed`): from now
 * on window is granted only for bytes the caller reports consumed (handed on, e.g. written to a local
 * socket whose queue the caller bounds), in the same >3-packet steps. What the server may still send
 * plus what was received and not yet consumed then never exceeds MAX_WINDOW, however long the consumer
 * stalls. Before, a paused channel buffered 2 MiB and still let the server send a full window more.
 * Returns the report function, or undefined when the channel has ssh2's own policy (the fallback).
 */
export function windowBudget(channel: Duplex): ((bytes: number) => void) | undefined {
  return budgets.get(channel)?.();
}

/** Whether applyWindowPolicy took on this channel (for tests and diagnostics). */
export function hasWindowPolicy(channel: object): boolean {
  return applied.has(channel);
}

/** Tests only: lets the once-per-process fallback debug line be seen again. */
export function resetWindowPolicyFallbackLog(): void {
  fallbackLogged = false;
}
