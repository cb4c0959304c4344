// src/ssh/padding.ts on ssh2 1.17's real cipher classes (lib/protocol/crypto.js): the hooked
// allocPacket gives ssh2's packet layout byte for byte (ssh2's own decipher reads what it encrypts), the
// padding is pool bytes handed out once, and anything unexpected leaves ssh2's own code.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import {
  allocPacket,
  bufferPadding,
  PaddingPool,
  probeLayout,
  resetPaddingFallbackLog,
} from '../../../src/ssh/padding.js';

interface Cipher {
  allocPacket(payloadLen: number): Buffer;
  encrypt(packet: Buffer): void;
}
interface Decipher {
  decrypt(data: Buffer, p: number, dataLen: number): void;
}
const ssh2Crypto = createRequire(import.meta.url)('ssh2/lib/protocol/crypto.js') as {
  CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>;
  MAC_INFO: Record<string, { len: number }>;
  createCipher(config: unknown): Cipher;
  createDecipher(config: unknown): Decipher;
  init: Promise<void>;
};

/** A pool whose fills are numbered: fill n writes n*16, n*16+1, …, so each byte says where it came from. */
function countingPool(size: number) {
  let fills = 0;
  const pool = new PaddingPool((buffer) => {
    for (let i = 0; i < buffer.length; i++) buffer[i] = (fills * 16 + i) & 0xff;
    fills++;
  }, size);
  return { pool, fills: () => fills };
}

/** An encrypting cipher and the matching ssh2 decipher for one algorithm, sharing keys. */
function cipherPair(name: string, mac: string | undefined, forceNative: boolean) {
  const cipherInfo = ssh2Crypto.CIPHER_INFO[name]!;
  const macInfo = mac ? ssh2Crypto.MAC_INFO[mac] : undefined;
  const keys = {
    key: randomBytes(cipherInfo.keyLen),
    iv: randomBytes(cipherInfo.ivLen),
    macKey: macInfo ? randomBytes(macInfo.len) : undefined,
  };
  const wire: Buffer[] = [];
  const payloads: Buffer[] = [];
  const cipher = ssh2Crypto.createCipher({
    outbound: {
      onWrite: (data: Uint8Array) => wire.push(Buffer.from(data)),
      cipherInfo,
      cipherKey: keys.key,
      cipherIV: Buffer.from(keys.iv),
      seqno: 0,
      macInfo,
      macKey: keys.macKey,
      forceNative,
    },
  });
  const decipher = ssh2Crypto.createDecipher({
    inbound: {
      onPayload: (payload: Buffer) => void payloads.push(Buffer.from(payload)),
      decipherInfo: cipherInfo,
      decipherKey: keys.key,
      decipherIV: Buffer.from(keys.iv),
      seqno: 0,
      macInfo,
      macKey: keys.macKey,
      forceNative,
    },
  });
  /** Sends `payload` through allocPacket/encrypt/decrypt; returns the plaintext packet and what arrived. */
  const roundTrip = (payload: Buffer) => {
    const packet = cipher.allocPacket(payload.length);
    payload.copy(packet, 5);
    const plain = Buffer.from(packet);
    cipher.encrypt(packet);
    const data = Buffer.concat(wire.splice(0));
    decipher.decrypt(data, 0, data.length);
    return { plain, received: payloads.shift() };
  };
  return { cipher, roundTrip };
}

const clientOf = (cipher: object) => ({ _protocol: { _cipher: cipher } });

describe('PaddingPool', () => {
  it('hands out each byte once, in order, and drops the tail that is too short before refilling', () => {
    const { pool, fills } = countingPool(10);
    const target = Buffer.alloc(12);
    pool.copyTo(target, 0, 4);
    pool.copyTo(target, 4, 4);
    expect(fills()).toBe(1);
    pool.copyTo(target, 8, 4); // 2 bytes left in the pool: refilled, those 2 never used
    expect([...target]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19]);
    expect(fills()).toBe(2);
  });

  it('fills more than the pool holds straight from the CSPRNG, leaving the pool as it was', () => {
    const { pool, fills } = countingPool(8);
    const target = Buffer.alloc(64);
    pool.copyTo(target, 0, 64);
    expect(fills()).toBe(0);
    expect(target.equals(Buffer.alloc(64))).toBe(false);
  });
});

const ALGORITHMS: Array<[string, string | undefined, boolean]> = [
  ['aes128-gcm@openssh.com', undefined, false],
  ['aes128-gcm@openssh.com', undefined, true],
  ['chacha20-poly1305@openssh.com', undefined, false],
  ['aes128-ctr', 'hmac-sha2-256', false],
  ['aes128-ctr', 'hmac-sha2-256-etm@openssh.com', true],
];

describe.each(ALGORITHMS)('bufferPadding on ssh2 %s %s (native %s)', (name, mac, forceNative) => {
  it("gives ssh2's layout with fresh pool bytes as padding, and ssh2's decipher reads every packet", async () => {
    await ssh2Crypto.init;
    const { cipher, roundTrip } = cipherPair(name, mac, forceNative);
    const original = Object.getPrototypeOf(cipher).allocPacket as Cipher['allocPacket'];
    const { pool } = countingPool(4096);
    expect(bufferPadding(clientOf(cipher), { pool })).toBe(true);
    expect(Object.getPrototypeOf(cipher).allocPacket).not.toBe(original);
    const seen: number[] = [];
    for (const length of [0, 1, 5, 15, 16, 17, 31, 100, 1000, 32768, 32777]) {
      const payload = randomBytes(length);
      const { plain, received } = roundTrip(payload);
      const theirs = original.call(cipher, length);
      expect(plain.length).toBe(theirs.length);
      expect(plain.subarray(0, 5)).toEqual(theirs.subarray(0, 5));
      const padLen = plain[4]!;
      seen.push(...plain.subarray(5 + length, 5 + length + padLen));
      expect(received).toEqual(payload);
    }
    // The padding of consecutive packets is consecutive pool bytes: none used twice.
    expect(seen).toEqual(seen.map((_, i) => i & 0xff));
  });

  it('covers a new instance of the same class (a rekey) without being called again', () => {
    const first = cipherPair(name, mac, forceNative);
    bufferPadding(clientOf(first.cipher));
    const rekeyed = cipherPair(name, mac, forceNative);
    const payload = randomBytes(32768);
    expect(rekeyed.roundTrip(payload).received).toEqual(payload);
    expect(Object.hasOwn(rekeyed.cipher, 'allocPacket')).toBe(false);
  });
});

/** A cipher class with ssh2's allocPacket shape, whose padding length `pad` decides. */
function fakeCipherClass(pad: (payloadLen: number) => number) {
  return class FakeCipher {
    allocPacket(payloadLen: number): Buffer {
      const padLen = pad(payloadLen);
      const packet = Buffer.alloc(5 + payloadLen + padLen + 16);
      packet.writeUInt32BE(1 + payloadLen + padLen, 0);
      packet[4] = padLen;
      return packet;
    }
  };
}

describe('bufferPadding falls back to ssh2', () => {
  it('when the client has no protocol or cipher: false, and one debug line per process', () => {
    resetPaddingFallbackLog();
    const log = vi.fn();
    expect(bufferPadding({}, { log })).toBe(false);
    expect(bufferPadding({ _protocol: {} }, { log })).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]![0]).toBe('debug');
    expect(log.mock.calls[0]![1]).toContain('client._protocol');
  });

  it('when allocPacket is an own property or the layout is not one it can copy: the class is untouched', () => {
    resetPaddingFallbackLog();
    const log = vi.fn();
    const own = { allocPacket: () => Buffer.alloc(32) };
    expect(bufferPadding(clientOf(own), { log })).toBe(false);
    let calls = 0;
    const Varying = fakeCipherClass(() => 4 + (calls++ % 7)); // not a function of the length alone
    const alloc = Varying.prototype.allocPacket;
    expect(bufferPadding(clientOf(new Varying()), { log })).toBe(false);
    expect(Varying.prototype.allocPacket).toBe(alloc);
    const Short = fakeCipherClass(() => 2); // fewer than 4 padding bytes: not ssh2's layout
    expect(bufferPadding(clientOf(new Short()), { log })).toBe(false);
    expect(log).toHaveBeenCalledTimes(1);
  });

  it("keeps ssh2's own allocPacket for a later instance whose layout it cannot learn", () => {
    let odd = false;
    let calls = 0;
    const Cls = fakeCipherClass((length) => (odd ? 4 + (calls++ % 5) : 16 - ((length + 1) % 16) + 4));
    expect(bufferPadding(clientOf(new Cls()), { pool: countingPool(256).pool })).toBe(true);
    odd = true;
    const later = new Cls();
    const packet = later.allocPacket(10);
    expect(packet[4]).toBeGreaterThanOrEqual(4);
    // ssh2's code ran (our fake fills padding with zeros; the pool's first bytes are 0, 1, 2…).
    expect(packet.subarray(15, 15 + packet[4]!).every((byte) => byte === 0)).toBe(true);
  });
});

describe('probeLayout and allocPacket', () => {
  it('learn the padding by length modulo 32 and the trailer, and build the same header', () => {
    const Cls = fakeCipherClass((length) => {
      const pad = 8 - ((length + 1) & 7);
      return pad < 4 ? pad + 8 : pad;
    });
    const layout = probeLayout(Cls.prototype.allocPacket, new Cls())!;
    expect(layout.trailer).toBe(16);
    const ours = allocPacket(layout, countingPool(64).pool, 123);
    const theirs = new Cls().allocPacket(123);
    expect(ours.length).toBe(theirs.length);
    expect(ours.subarray(0, 5)).toEqual(theirs.subarray(0, 5));
  });
});
