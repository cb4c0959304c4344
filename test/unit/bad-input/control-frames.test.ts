// The control socket is a local file anyone of the same user can write to: every line gives a frame or
// a ProtocolError value (never a throw), and the line splitter never buffers more than its cap.
import { StringDecoder } from 'node:string_decoder';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type LineEvent, LineSplitter } from '../../../src/control/lines.js';
import {
  encodeFrame,
  isProtocolError,
  MAX_FRAME_BYTES,
  parseFrame,
  parseServerFrame,
  protocolErrorFrame,
  REQUEST_TYPES,
} from '../../../src/control/protocol.js';
import { hostileText, nonUtf8Text } from './helpers.js';

const TYPES = [...REQUEST_TYPES, 'answer', 'ok', 'error', 'ask', '__proto__', 'constructor', 'toString', ''];
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText);
const frameObject = fc.record(
  {
    v: fc.oneof(fc.constant(1), anyValue),
    id: fc.oneof(fc.nat(), fc.integer(), fc.double(), anyValue),
    type: fc.oneof(fc.constantFrom(...TYPES), anyValue),
    host: anyValue,
    clientVersion: anyValue,
    options: fc.oneof(
      anyValue,
      fc.dictionary(fc.constantFrom('bind', 'holdTimeout', 'map', 'ports', '__proto__'), anyValue),
    ),
    target: fc.oneof(anyValue, fc.record({ host: anyValue }), fc.record({ all: anyValue })),
    keepKubeconfig: anyValue,
    value: anyValue,
    body: anyValue,
    error: fc.oneof(
      anyValue,
      fc.record({
        code: fc.oneof(fc.constantFrom('PROTOCOL', 'NOPE'), anyValue),
        message: anyValue,
        hint: anyValue,
      }),
    ),
    requestId: anyValue,
    kind: fc.oneof(fc.constantFrom('confirm', 'passphrase', 'protocol-error'), anyValue),
    text: anyValue,
  },
  { requiredKeys: [] },
);
const line = fc.oneof(
  hostileText,
  nonUtf8Text,
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  frameObject.map((value) => JSON.stringify(value)),
);

function neverThrows(text: string): void {
  for (const parse of [parseFrame, parseServerFrame]) {
    const result = parse(text);
    if (isProtocolError(result)) {
      expect(result.message).not.toBe('');
      // The agent answers a bad frame with an error frame; the CLI reads it when it names a request
      // (an id-less one has nobody to tell: the CLI drops it, see client.ts onLine).
      const reply = parseServerFrame(encodeFrame(protocolErrorFrame(result)).trimEnd());
      if (result.id !== null) expect(isProtocolError(reply)).toBe(false);
      else expect(isProtocolError(reply) && reply.reason).toBe('missing-id');
    } else {
      // An accepted frame re-encodes to one line that parses to the same frame.
      const encoded = encodeFrame(result);
      expect(encoded.indexOf('\n')).toBe(encoded.length - 1);
      expect(parse(encoded.trimEnd())).toEqual(result);
    }
  }
}

describe('control frames', () => {
  it('parseFrame/parseServerFrame return a frame or a ProtocolError for any line', () => {
    fc.assert(fc.property(line, neverThrows), { numRuns: 1_000 });
  });

  it('refuses an oversize line by length, before parsing it', () => {
    const big = `{"v":1,"id":1,"type":"status","host":"${'x'.repeat(MAX_FRAME_BYTES)}"}`;
    const result = parseFrame(big);
    expect(isProtocolError(result) && result.reason).toBe('oversize');
    // A reply that long is fine (status for thousands of forwards); the agent's own cap is far higher.
    expect(isProtocolError(parseServerFrame(big.replace('"status"', '"ok"')))).toBe(false);
    const capped = parseServerFrame(big, MAX_FRAME_BYTES);
    expect(isProtocolError(capped) && capped.reason).toBe('oversize');
    neverThrows(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    neverThrows(`{"v":1,"id":1,"type":"connect","options":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`);
  });
});

/** What the splitter should emit for a whole stream: complete lines, oversize ones reported once. */
function model(bytes: Buffer, max: number): LineEvent[] {
  // A StringDecoder holds back a trailing incomplete character, as the splitter's own decoder does.
  const pieces = new StringDecoder('utf8').write(bytes).split('\n');
  const tail = pieces.pop() ?? '';
  const events: LineEvent[] = pieces.flatMap((text): LineEvent[] => {
    const bytes = Buffer.byteLength(text);
    if (bytes <= max) return [{ kind: 'line', line: text }];
    return [
      { kind: 'oversize', head: '' },
      { kind: 'oversize-end', bytes },
    ];
  });
  if (Buffer.byteLength(tail) > max) events.push({ kind: 'oversize', head: '' });
  return events;
}

/** An oversize line's head depends on where the chunk that crossed the cap ended: compare kinds only. */
function withoutHead(event: LineEvent): LineEvent {
  return event.kind === 'oversize' ? { kind: 'oversize', head: '' } : event;
}

describe('LineSplitter on arbitrary bytes', () => {
  it('emits the model events however the bytes are chunked, each line within the cap', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc.constant(Uint8Array.of(0x0a)),
            fc.constant(Uint8Array.of(0xe2, 0x82)),
          ),
          { maxLength: 20 },
        ),
        fc.integer({ min: 1, max: 64 }),
        (chunks, max) => {
          const splitter = new LineSplitter(max);
          const events = chunks.flatMap((chunk) => splitter.push(Buffer.from(chunk)));
          expect(events.map(withoutHead)).toEqual(model(Buffer.concat(chunks), max));
          for (const event of events)
            if (event.kind === 'line') expect(Buffer.byteLength(event.line)).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds no more than the cap while a peer streams without a newline', () => {
    const splitter = new LineSplitter(1024);
    const chunk = Buffer.alloc(64 * 1024, 0x78);
    let events = 0;
    for (let i = 0; i < 256; i++) events += splitter.push(chunk).length; // 16 MiB, no newline
    expect(events).toBe(1);
    const pending = (splitter as unknown as { pending: string }).pending;
    expect(pending.length).toBe(0);
    expect(splitter.push('\nok\n')).toEqual([
      { kind: 'oversize-end', bytes: 16 * 1024 * 1024 },
      { kind: 'line', line: 'ok' },
    ]);
  });
});
