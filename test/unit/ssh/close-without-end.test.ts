import { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { closeWithoutEnd } from '../../../src/ssh/forward-channel.js';

/** ssh2's Channel shape: destroy() is end() + close(). */
class FakeChannel extends Duplex {
  readonly close = vi.fn();
  override _read(): void {}
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: () => void): void {
    callback();
  }
  override destroy(): this {
    this.end();
    this.close();
    return this;
  }
}

describe('closeWithoutEnd', () => {
  it('an ended channel is closed without ending it again (no ERR_STREAM_ALREADY_FINISHED built)', async () => {
    const channel = new FakeChannel();
    closeWithoutEnd(channel);
    channel.end();
    await new Promise((resolve) => channel.once('finish', resolve));
    const end = vi.spyOn(channel, 'end');
    const errors: Error[] = [];
    channel.on('error', (error) => errors.push(error));
    channel.destroy();
    expect(end).not.toHaveBeenCalled();
    expect(channel.close).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([]);
  });

  it('a channel still writable is ended then closed, as ssh2 does', () => {
    const channel = new FakeChannel();
    closeWithoutEnd(channel);
    const end = vi.spyOn(channel, 'end');
    channel.destroy();
    expect(end).toHaveBeenCalledTimes(1);
    expect(channel.close).toHaveBeenCalledTimes(1);
  });

  it('leaves a stream without close() alone', () => {
    const plain = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const destroy = plain.destroy;
    closeWithoutEnd(plain);
    expect(plain.destroy).toBe(destroy);
  });
});
