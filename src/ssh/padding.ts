// Buffered padding for ssh2's outbound packets.
//
// ssh2 1.17 (lib/protocol/crypto.js) fills each packet's 4–19 padding bytes with its own
// `crypto.randomFillSync` call in the cipher's `allocPacket`. On this machine a call costs ~3 µs
// whatever its size (16 KiB costs ~5.5 µs), and every packet pays it: each 32 KiB CHANNEL_DATA and each
// 28-byte WINDOW_ADJUST window.ts sends every 96 KiB (2.8% of the agent's busy CPU on a download, 4–10%
// on uploads and HTTP). OpenSSH draws padding from a buffered arc4random stream. Here the padding comes
// from a pool of CSPRNG bytes refilled with one randomFillSync per 16 KiB; every pool byte is handed out
// once, then the pool is refilled. The packet layout is ssh2's own, byte for byte (see probeLayout).
//
// Where the hook sits, and why: ssh2 replaces the Protocol's `_cipher` on every rekey, so a hook on the
// instance alone would be lost at the first rekey. An accessor on the Protocol's `_cipher` would see each
// new cipher, but redefining that data property turns the Protocol into a dictionary-mode object in V8
// (checked with %HasFastProperties), and ssh2 reads its fields on every packet. So we patch `allocPacket`
// on the prototype of the cipher that is live once the connection is ready (AESGCMCipherBinding on a
// usual connection), found through that instance: new instances of the class after a rekey are covered
// however ssh2 installs them, and no Protocol changes shape. The patch is guarded per instance: the
// first call on an instance learns its layout by calling ssh2's own allocPacket for a set of payload
// lengths; an instance whose packets do not have the shape this relies on (length, padding length byte,
// padding after the payload, a fixed trailer for the MAC) keeps ssh2's code. If the live cipher has no
// prototype `allocPacket`, or its layout is not learnable, nothing is patched and one debug line says so.
import { randomFillSync } from 'node:crypto';
import type { Log } from './handshake.js';
import { isObject } from './ssh2-internals.js';

/** Bytes drawn per randomFillSync: one call serves ~1,000–4,000 packets (4–19 padding bytes each). */
export const PADDING_POOL_SIZE = 16 * 1024;

/** A pool of CSPRNG bytes from which each byte is handed out at most once. */
export class PaddingPool {
  private readonly pool: Buffer;
  /** Index of the first unused byte; the pool starts used up, so the first take fills it. */
  private next: number;

  constructor(
    private readonly fill: (buffer: Buffer) => void = (buffer) => randomFillSync(buffer),
    size = PADDING_POOL_SIZE,
  ) {
    this.pool = Buffer.allocUnsafeSlow(size);
    this.next = size;
  }

  /** Writes `length` fresh random bytes into `target` at `offset`. */
  copyTo(target: Uint8Array, offset: number, length: number): void {
    const pool = this.pool;
    if (length > pool.length) return void randomFillSync(target, offset, length);
    if (this.next + length > pool.length) {
      // What is left (fewer than `length` bytes) is dropped, never reused.
      this.fill(pool);
      this.next = 0;
    }
    const from = this.next;
    // A loop beats Buffer.copy's call overhead for padding's few bytes.
    for (let i = 0; i < length; i++) target[offset + i] = pool[from + i] as number;
    this.next = from + length;
  }
}

/** How an instance's packets are laid out, learnt from ssh2's own allocPacket. */
export interface PacketLayout {
  /** Padding length by payload length modulo 32 (cipher block sizes are 8 or 16). */
  padByResidue: Uint8Array;
  /** Bytes after the padding that encrypt() fills (the MAC or AEAD tag ssh2 writes in place). */
  trailer: number;
}

const RESIDUES = 32;
/** Two whole periods, then full-size packets (32 KiB CHANNEL_DATA) checked against the first period. */
const PROBES = [...Array.from({ length: 2 * RESIDUES }, (_, i) => i), 32768, 32775, 32781, 32799];

type AllocPacket = (this: unknown, payloadLen: number) => unknown;

/** The layout ssh2's allocPacket gives `cipher`'s packets, or undefined when it is not the one we copy. */
export function probeLayout(alloc: AllocPacket, cipher: unknown): PacketLayout | undefined {
  const padByResidue = new Uint8Array(RESIDUES);
  let trailer = -1;
  for (const payloadLen of PROBES) {
    let packet: unknown;
    try {
      packet = alloc.call(cipher, payloadLen);
    } catch {
      return undefined;
    }
    if (!Buffer.isBuffer(packet) || packet.length < 5) return undefined;
    const length = packet.readUInt32BE(0);
    const padLen = packet[4] as number;
    const rest = packet.length - 4 - length;
    if (padLen < 4 || length !== 1 + payloadLen + padLen || rest < 0) return undefined;
    if (trailer !== -1 && rest !== trailer) return undefined;
    trailer = rest;
    const residue = payloadLen % RESIDUES;
    if (payloadLen < RESIDUES) padByResidue[residue] = padLen;
    else if (padByResidue[residue] !== padLen) return undefined;
  }
  return { padByResidue, trailer };
}

/** ssh2's packet (length, padding length, payload to be written at 5, padding), padding from `pool`. */
export function allocPacket(layout: PacketLayout, pool: PaddingPool, payloadLen: number): Buffer {
  const padLen = layout.padByResidue[payloadLen % RESIDUES] as number;
  const packetLen = 5 + payloadLen + padLen;
  const packet = Buffer.allocUnsafe(packetLen + layout.trailer);
  packet.writeUInt32BE(packetLen - 4, 0);
  packet[4] = padLen;
  pool.copyTo(packet, 5 + payloadLen, padLen);
  return packet;
}

const patched = new WeakSet<object>();
let fallbackLogged = false;

/** The live cipher's prototype, its own allocPacket, and why not when they are not what we patch. */
function liveCipher(client: unknown): { cipher: object; prototype: object; alloc: AllocPacket } | string {
  const protocol = isObject(client) ? client._protocol : undefined;
  if (!isObject(protocol)) return 'client._protocol';
  const cipher = protocol._cipher;
  if (!isObject(cipher)) return 'protocol._cipher';
  if (Object.hasOwn(cipher, 'allocPacket')) return 'cipher.allocPacket on the prototype';
  const prototype = Object.getPrototypeOf(cipher) as unknown;
  if (!isObject(prototype) || prototype === Object.prototype) return 'cipher class';
  const alloc = Object.getOwnPropertyDescriptor(prototype, 'allocPacket')?.value as unknown;
  if (typeof alloc !== 'function') return 'cipher.allocPacket';
  return { cipher, prototype, alloc: alloc as AllocPacket };
}

export interface BufferPaddingOptions {
  /** The pool to draw from (tests pass their own); default one per process. */
  pool?: PaddingPool;
  /** Told once per process (debug) when ssh2's internals do not look as expected. */
  log?: Log | undefined;
}

let processPool: PaddingPool | undefined;

function logFallback(log: Log | undefined, what: string): false {
  if (!fallbackLogged) {
    fallbackLogged = true;
    log?.('debug', `ssh2 internals changed (${what}); using ssh2's own packet padding`, {
      ssh2Missing: what,
    });
  }
  return false;
}

/**
 * Gives the cipher class live on a ready ssh2 client (and so every later instance of it, rekeys
 * included) buffered padding (see the top of this file). Returns false, leaving ssh2's own code, when
 * the internals are not what this relies on.
 */
export function bufferPadding(client: unknown, options: BufferPaddingOptions = {}): boolean {
  const live = liveCipher(client);
  if (typeof live === 'string') return logFallback(options.log, live);
  if (patched.has(live.prototype)) return true;
  const layout = probeLayout(live.alloc, live.cipher);
  if (layout === undefined) return logFallback(options.log, 'cipher.allocPacket packet layout');
  if (!options.pool) processPool ??= new PaddingPool();
  const pool = options.pool ?? (processPool as PaddingPool);
  const original = live.alloc;
  /** Per instance: learnt on its first packet; null when ssh2's own code must stay (odd layout). */
  const layouts = new WeakMap<object, PacketLayout | null>([[live.cipher, layout]]);
  Object.defineProperty(live.prototype, 'allocPacket', {
    configurable: true,
    writable: true,
    value: function allocPacketBuffered(this: object, payloadLen: number): unknown {
      let known = layouts.get(this);
      if (known === undefined) {
        known = probeLayout(original, this) ?? null;
        layouts.set(this, known);
      }
      return known === null ? original.call(this, payloadLen) : allocPacket(known, pool, payloadLen);
    },
  });
  patched.add(live.prototype);
  return true;
}

/** Tests only: lets the once-per-process fallback debug line be seen again. */
export function resetPaddingFallbackLog(): void {
  fallbackLogged = false;
}
