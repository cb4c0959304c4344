// The watch request and its update frames on the wire: what the agent accepts from a CLI, and what the
// CLI accepts from an agent (a broken update is a protocol error naming the request, never a crash).
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  isProtocolError,
  parseFrame,
  parseServerFrame,
  REQUEST_TYPES,
} from '../../../src/control/protocol.js';
import { noAgentDocument } from '../../../src/control/status-document.js';

const line = (frame: object) => JSON.stringify({ v: 1, id: 7, ...frame });

describe('the watch request', () => {
  it('is a request type an agent of this version knows', () => {
    expect(REQUEST_TYPES).toContain('watch');
  });

  it('reads host and minIntervalMs, both optional', () => {
    expect(parseFrame(line({ type: 'watch' }))).toEqual({ v: 1, id: 7, type: 'watch' });
    expect(parseFrame(line({ type: 'watch', host: 'devbox', minIntervalMs: 500 }))).toEqual({
      v: 1,
      id: 7,
      type: 'watch',
      host: 'devbox',
      minIntervalMs: 500,
    });
  });

  it.each([
    [{ host: '' }, 'watch: field "host" must not be empty'],
    [{ host: 3 }, 'watch: field "host" must be a string'],
    [{ minIntervalMs: -1 }, 'watch: field "minIntervalMs" must be an integer from 0 to 9007199254740991'],
    [{ minIntervalMs: 2.5 }, 'watch: field "minIntervalMs" must be an integer from 0 to 9007199254740991'],
  ])('refuses %j, naming the field', (body, message) => {
    const frame = parseFrame(line({ type: 'watch', ...body }));
    expect(isProtocolError(frame) && { reason: frame.reason, message: frame.message, id: frame.id }).toEqual({
      reason: 'bad-field',
      message: expect.stringContaining(message.split(' must')[0] as string),
      id: 7,
    });
  });
});

describe('the update frame', () => {
  const document = { ...noAgentDocument(), sessions: [] } as never;

  it('round-trips: what the agent encodes, the CLI reads back', () => {
    const frame = { v: 1 as const, id: 7, type: 'update' as const, body: { seq: 3, document } };
    expect(parseServerFrame(encodeFrame(frame).trimEnd())).toEqual(frame);
  });

  it.each([
    [{}, 'field "body" must be an object'],
    [{ body: { seq: 0, document } }, 'field "seq"'],
    [{ body: { seq: 1 } }, 'field "document" must be an object'],
    [{ body: { seq: 1, document: { sessions: 'all' } } }, 'field "document.sessions" must be a list'],
  ])('refuses a broken update %j, naming the request', (extra, message) => {
    const frame = parseServerFrame(line({ type: 'update', ...extra }));
    expect(isProtocolError(frame)).toBe(true);
    if (!isProtocolError(frame)) return;
    expect(frame.id).toBe(7);
    expect(frame.message).toContain(message);
  });
});
