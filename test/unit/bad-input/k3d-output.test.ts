// What the dev server's k3d prints is remote data: any JSON, any nesting, colours, broken UTF-8. The
// parsers return a value or a K3D_OUTPUT error with a short message; log summaries stay plain text.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseClusterList,
  parseK3dLogLine,
  parseK3dVersion,
  parseKubeconfigGetOutput,
  summarizeK3dError,
} from '../../../src/remote/k3d-parse.js';
import { parseCrictlImages } from '../../../src/remote/node-images.js';
import { ansi, hostileText, nonUtf8Text, valueOrTunnelError } from './helpers.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/k3d/${name}`, import.meta.url), 'utf8');
const LEVELS = ['INFO', 'WARN', 'ERRO', 'FATA', 'DEBU', 'TRAC', undefined];
// A message quotes at most a few short pieces of the output (names are cut at 64 characters).
const MESSAGE_LIMIT = 600;

function parseList(stdout: string) {
  const outcome = valueOrTunnelError(() => parseClusterList(stdout));
  if (!outcome.ok) {
    expect(outcome.error.code).toBe('K3D_OUTPUT');
    expect(outcome.error.message.length).toBeLessThan(MESSAGE_LIMIT);
  } else {
    expect(Array.isArray(outcome.value)).toBe(true);
  }
  return outcome;
}

function deep(depth: number, open: string, close: string, inner = '0'): string {
  return `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
}

const logLine = fc.oneof(
  hostileText,
  fc
    .tuple(
      ansi,
      fc.constantFrom('INFO', 'WARN', 'ERRO', 'FATA', 'PANI', 'DEBU', 'XXXX', ''),
      ansi,
      fc.constantFrom('[0000]', '[', ']', '[12', '[x]', ''),
      hostileText,
    )
    .map((parts) => parts.join('')),
  fc
    .tuple(
      fc.constantFrom('time="x" ', 'level=', ''),
      fc.constantFrom('level=error ', 'level=', 'level=nope '),
      hostileText,
    )
    .map(([a, b, c]) => `${a}${b}msg="${c}`),
);

describe('parseClusterList on hostile k3d JSON', () => {
  it('returns clusters or K3D_OUTPUT for arbitrary JSON values, with ANSI and log lines mixed in', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 6 }),
        ansi,
        fc.array(logLine, { maxLength: 3 }),
        (value, colour, logs) => {
          parseList(JSON.stringify(value));
          parseList(`${logs.join('\n')}\n${colour}${JSON.stringify(value)}\u001b[0m`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('returns K3D_OUTPUT (never a RangeError) on deep nesting', () => {
    for (const depth of [1_000, 100_000]) {
      parseList(deep(depth, '[', ']'));
      parseList(deep(depth, '{"a":', '}'));
      parseList(`[{"name":"x","nodes":[{"name":"n","portMappings":${deep(depth, '{"6443":', '}', '[]')}}]}]`);
      parseList(`[{"name":"x","nodes":${deep(depth, '[', ']')}}]`);
    }
  });

  it('handles huge arrays without a message that echoes them', () => {
    const ok = parseList(
      JSON.stringify(Array.from({ length: 5_000 }, (_, i) => ({ name: `c${i}`, nodes: [] }))),
    );
    expect(ok.ok && ok.value.length).toBe(5_000);
    parseList(JSON.stringify(Array.from({ length: 200_000 }, () => 1)));
    parseList(JSON.stringify([{ name: 'x'.repeat(1_000_000), nodes: 7 }]));
    parseList(JSON.stringify([{ name: 'x', nodes: [{ name: 'n', role: 'y'.repeat(1_000_000) }] }]));
  });

  it('returns K3D_OUTPUT for non-UTF-8 bytes and truncated real output', () => {
    const real = fixture('cluster-list.json');
    fc.assert(
      fc.property(nonUtf8Text, fc.nat(real.length), (bytes, cut) => {
        parseList(bytes);
        parseList(`${bytes}${real}`);
        parseList(real.slice(0, cut) + bytes);
      }),
      { numRuns: 200 },
    );
  });
});

describe('k3d log lines', () => {
  it('parseK3dLogLine always returns a level from the set and a bounded message', () => {
    fc.assert(
      fc.property(logLine, (line) => {
        const parsed = parseK3dLogLine(line);
        expect(LEVELS).toContain(parsed.level);
        expect(typeof parsed.message).toBe('string');
        expect(parsed.message.length).toBeLessThanOrEqual(line.length);
        expect(parsed.seconds === undefined || Number.isInteger(parsed.seconds)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('summarizeK3dError returns one line of the input with no escape sequence left in it', () => {
    fc.assert(
      fc.property(fc.array(logLine, { maxLength: 12 }), fc.boolean(), (lines, crlf) => {
        const stderr = lines.join(crlf ? '\r\n' : '\n');
        const summary = summarizeK3dError(stderr);
        // At most the input, with each control character shown as a 4-character \xNN escape.
        expect(summary.length).toBeLessThanOrEqual(4 * stderr.length);
        expect(summary).not.toMatch(/[\n\u001b\u009b]/);
      }),
      { numRuns: 500 },
    );
  });

  it('parseKubeconfigGetOutput returns YAML text or a K3D_OUTPUT error', () => {
    fc.assert(
      fc.property(fc.array(logLine, { maxLength: 6 }), (lines) => {
        const outcome = valueOrTunnelError(() => parseKubeconfigGetOutput(lines.join('\n')));
        if (outcome.ok) expect(outcome.value.endsWith('\n')).toBe(true);
        else expect(outcome.error.code).toBe('K3D_OUTPUT');
      }),
      { numRuns: 300 },
    );
  });
});

describe('other k3d node output', () => {
  it('parseK3dVersion never throws; versions are single words', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          logLine,
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        (stdout) => {
          const versions = parseK3dVersion(stdout);
          for (const version of [versions.k3d, versions.k3s]) {
            if (version !== undefined) expect(typeof version).toBe('string');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('parseCrictlImages returns strings or a K3D_OUTPUT error for any JSON or text', () => {
    const crictlish = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ images: fc.oneof(fc.jsonValue(), fc.array(fc.record({ repoTags: fc.jsonValue() }))) }),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          crictlish.map((value) => JSON.stringify(value)),
          hostileText,
        ),
        (stdout) => {
          const outcome = valueOrTunnelError(() => parseCrictlImages(stdout));
          if (outcome.ok) for (const tag of outcome.value) expect(typeof tag).toBe('string');
          else expect(outcome.error.code).toBe('K3D_OUTPUT');
        },
      ),
      { numRuns: 300 },
    );
  });
});
