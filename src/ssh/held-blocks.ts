// Where payloads that must wait (a local client that stopped reading) are kept.
//
// ssh2 decrypts a packet in place in the socket's 64 KiB read buffer and hands on a slice of it, so a
// queued 32 KiB payload keeps 64 KiB alive and a 10-byte one the same 64 KiB. Copied one by one, the
// copies would be 32 KiB heap chunks interleaved with everything else, which glibc keeps in RSS after
// they are freed. So queued payloads are copied, in arrival order, into 128 KiB blocks of their own:
// glibc mmaps allocations that size (the agent pins its threshold, src/agent/node-flags.ts) and unmaps
// them when freed, and as a queue drains in order each block is freed once its last payload has left.
// At most one partly used block per queue. This holds even for a payload that is its own allocation
// (ssh2's decipher allocates a packet spanning two reads exactly; half of a download's payloads): kept
// uncopied they are 32 KiB heap chunks among the reads', and RSS with 50 non-reading clients rose from
// 0.88–0.98× ssh -L to 0.97–1.2× (four bench runs each), to save 2% of a download's busy CPU.

/** glibc's default M_MMAP_THRESHOLD: a block of this size (plus its header) is mmap'ed even so. */
export const HELD_BLOCK_SIZE = 128 * 1024;

export class HeldBlocks {
  private block: Buffer | undefined;
  private used = 0;

  /** `chunk`'s bytes in a block of ours (a view), or `chunk` itself when it is its own allocation. */
  hold(chunk: Buffer): Buffer {
    if (chunk.length === 0 || chunk.length > HELD_BLOCK_SIZE / 2) return chunk;
    if (!this.block || this.used + chunk.length > this.block.length) {
      this.block = Buffer.allocUnsafeSlow(HELD_BLOCK_SIZE);
      this.used = 0;
    }
    const view = this.block.subarray(this.used, this.used + chunk.length);
    chunk.copy(view);
    this.used += chunk.length;
    return view;
  }
}
