import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../src/control/lines.js';

describe('LineSplitter', () => {
  it('splits lines across chunks, including a multi-byte character cut in two', () => {
    const splitter = new LineSplitter(100);
    const bytes = Buffer.from('{"a":"é"}\n{"b"');
    expect(splitter.push(bytes.subarray(0, 7))).toEqual([]);
    expect(splitter.push(bytes.subarray(7))).toEqual([{ kind: 'line', line: '{"a":"é"}' }]);
    expect(splitter.push(Buffer.from(':1}\n\n'))).toEqual([
      { kind: 'line', line: '{"b":1}' },
      { kind: 'line', line: '' },
    ]);
  });

  it('reports an overlong line when it passes the cap and at its end, drops it, then carries on', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push('{"id":7,')).toEqual([]);
    expect(splitter.push('x'.repeat(8))).toEqual([{ kind: 'oversize', head: `{"id":7,${'x'.repeat(8)}` }]);
    expect(splitter.push('x'.repeat(100))).toEqual([]);
    expect(splitter.push('yy\nok\n')).toEqual([
      { kind: 'oversize-end', bytes: 118 },
      { kind: 'line', line: 'ok' },
    ]);
  });

  it('yields the same lines however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 20 }).map((s) => s.replace(/\n/g, ''))),
        fc.nat(30),
        (lines, cut) => {
          const text = lines.map((line) => `${line}\n`).join('');
          const splitter = new LineSplitter(1000);
          const step = cut + 1;
          const seen: string[] = [];
          for (let i = 0; i < text.length; i += step) {
            for (const event of splitter.push(text.slice(i, i + step)))
              if (event.kind === 'line') seen.push(event.line);
          }
          expect(seen).toEqual(lines);
        },
      ),
    );
  });
});
