// src/ssh/held-blocks.ts: payloads that must wait are copied, in order, into 128 KiB blocks of their own.
import { describe, expect, it } from 'vitest';
import { HELD_BLOCK_SIZE, HeldBlocks } from '../../../src/ssh/held-blocks.js';

describe('HeldBlocks', () => {
  it('copies small slices of a big read buffer into one block, in order, leaving the read buffer free', () => {
    const blocks = new HeldBlocks();
    const read = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => i % 251));
    const first = blocks.hold(read.subarray(0, 10));
    const second = blocks.hold(read.subarray(10, 32 * 1024));
    expect(first.equals(read.subarray(0, 10))).toBe(true);
    expect(second.equals(read.subarray(10, 32 * 1024))).toBe(true);
    expect(first.buffer).not.toBe(read.buffer);
    expect(second.buffer).toBe(first.buffer);
    expect(first.buffer.byteLength).toBe(HELD_BLOCK_SIZE);
    expect(second.byteOffset).toBe(first.byteOffset + 10);
  });

  it('starts a new block when a payload does not fit in what is left', () => {
    const blocks = new HeldBlocks();
    const packet = Buffer.alloc(32 * 1024, 1);
    const views = Array.from({ length: 5 }, () => blocks.hold(packet));
    expect(new Set(views.slice(0, 4).map((v) => v.buffer)).size).toBe(1);
    expect(views[4]!.buffer).not.toBe(views[0]!.buffer);
    expect(views.every((v) => v.equals(packet))).toBe(true);
  });

  it('leaves empty and oversized chunks as they are', () => {
    const blocks = new HeldBlocks();
    const empty = Buffer.alloc(0);
    const big = Buffer.alloc(HELD_BLOCK_SIZE);
    expect(blocks.hold(empty)).toBe(empty);
    expect(blocks.hold(big)).toBe(big);
  });
});
