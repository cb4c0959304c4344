// The v4.channel.k8s.io framing as the kubelet writes it: the port first on each channel, then data on 0
// and at most one error text on 1.
import { describe, expect, it } from 'vitest';
import {
  dataFrame,
  errorMeansPodGone,
  FrameDecoder,
  MAX_ERROR_TEXT,
} from '../../../src/kube/portforward-frames.js';

const portBytes = (port: number) => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(port);
  return bytes;
};
const message = (channel: number, ...parts: Buffer[]) => Buffer.concat([Buffer.from([channel]), ...parts]);

describe('dataFrame', () => {
  it('puts the data channel byte in front of the bytes', () => {
    expect([...dataFrame(Buffer.from('hi'))]).toEqual([0, 0x68, 0x69]);
    expect([...dataFrame(Buffer.alloc(0))]).toEqual([0]);
  });
});

describe('FrameDecoder', () => {
  it('strips the port the server writes first on each channel, then passes data through', () => {
    const decoder = new FrameDecoder(8080);
    expect(decoder.decode(message(0, portBytes(8080)))).toEqual({ kind: 'none' });
    expect(decoder.decode(message(1, portBytes(8080)))).toEqual({ kind: 'none' });
    const decoded = decoder.decode(message(0, Buffer.from('hello')));
    expect(decoded.kind === 'data' && decoded.data.toString()).toBe('hello');
  });

  it('takes the port even when it comes split or together with the first bytes', () => {
    const decoder = new FrameDecoder(0x1f90);
    expect(decoder.decode(message(0, Buffer.from([0x90])))).toEqual({ kind: 'none' });
    const decoded = decoder.decode(message(0, Buffer.from([0x1f]), Buffer.from('abc')));
    expect(decoded.kind === 'data' && decoded.data.toString()).toBe('abc');
  });

  it('reads the error channel as text, bounded', () => {
    const decoder = new FrameDecoder(80);
    decoder.decode(message(1, portBytes(80)));
    const text = 'error forwarding port 80 to pod web-1, uid 42: connection refused';
    expect(decoder.decode(message(1, Buffer.from(text)))).toEqual({ kind: 'error', text });
    const long = decoder.decode(message(1, Buffer.alloc(MAX_ERROR_TEXT * 4, 'x')));
    expect(long.kind === 'error' && long.text.length).toBe(MAX_ERROR_TEXT);
  });

  it('refuses a stream for another port and channels that do not exist', () => {
    expect(new FrameDecoder(8080).decode(message(0, portBytes(9090))).kind).toBe('bad');
    expect(new FrameDecoder(8080).decode(message(2, portBytes(8080))).kind).toBe('bad');
    expect(new FrameDecoder(8080).decode(Buffer.alloc(0))).toEqual({ kind: 'none' });
  });
});

describe('errorMeansPodGone', () => {
  it('is true for a vanished sandbox or a stopped container, false for a refused port', () => {
    expect(errorMeansPodGone('failed to find sandbox "abc" in store: not found')).toBe(true);
    expect(errorMeansPodGone('container not running (3f2a)')).toBe(true);
    expect(errorMeansPodGone('dial tcp4 127.0.0.1:8080: connect: connection refused')).toBe(false);
  });
});
