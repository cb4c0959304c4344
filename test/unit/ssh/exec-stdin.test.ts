import { EventEmitter } from 'node:events';
import { PassThrough, Readable, Writable } from 'node:stream';
import type { Client } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { execOnClient } from '../../../src/ssh/exec.js';

/**
 * A channel whose stdin side is a real Writable with a small buffer that drains only when the test says
 * (like ssh2 waiting for WINDOW_ADJUST), plus the readable events exec listens to.
 */
class SlowChannel extends Writable {
  readonly stderr = new EventEmitter();
  readonly received: Buffer[] = [];
  private pending: (() => void) | undefined;
  ended = false;

  constructor() {
    // An ssh2 channel closes when the remote side closes it, not when our writing ends.
    super({ highWaterMark: 1024, emitClose: false, autoDestroy: false });
    this.on('finish', () => {
      this.ended = true;
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received.push(chunk);
    this.pending = callback;
  }

  /** The remote side consumed what it had: accept the next write. */
  windowOpens(): void {
    const callback = this.pending;
    this.pending = undefined;
    callback?.();
  }

  exit(code: number): void {
    this.emit('exit', code);
    this.emit('close', code);
  }

  signal(): void {}
  close(): void {
    this.exit(255);
  }
}

function clientWith(channel: SlowChannel): Client {
  return {
    exec(_command: string, callback: (error: Error | undefined, channel: SlowChannel) => void) {
      setImmediate(() => callback(undefined, channel));
    },
  } as unknown as Client;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('exec with a stream on stdin', () => {
  it('reads the source only as fast as the channel accepts it, then sends EOF', async () => {
    const channel = new SlowChannel();
    let produced = 0;
    const total = 64;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        produced++;
        this.push(produced <= total ? Buffer.alloc(1024, produced) : null);
      },
    });
    const result = execOnClient(clientWith(channel), 'cat > file', { stdin: source });
    await tick();
    await tick();
    // Backpressure: with the window closed only a few KiB have been read, not the whole 64 KiB.
    expect(produced).toBeLessThan(8);
    while (!channel.ended) {
      channel.windowOpens();
      await tick();
    }
    expect(Buffer.concat(channel.received).length).toBe(total * 1024);
    channel.exit(0);
    await expect(result).resolves.toMatchObject({ code: 0 });
  });

  it('fails the exec when the source fails, and stops feeding a channel that closed', async () => {
    const channel = new SlowChannel();
    const source = new PassThrough();
    const result = execOnClient(clientWith(channel), 'cat > file', { stdin: source });
    await tick();
    source.write(Buffer.alloc(10));
    source.destroy(new Error('docker save went away'));
    await expect(result).rejects.toThrow('docker save went away');

    const second = new SlowChannel();
    const other = new PassThrough();
    const done = execOnClient(clientWith(second), 'cat > file', { stdin: other });
    await tick();
    second.exit(1);
    await expect(done).resolves.toMatchObject({ code: 1 });
    expect(other.listenerCount('data')).toBe(0);
  });
});
