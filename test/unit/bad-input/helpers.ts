// Shared generators and the one assertion every bad-input property makes: a parser returns a value or
// throws a TunnelError (UsageError included) that says what happened and what to do; nothing else escapes.
import fc from 'fast-check';
import { expect } from 'vitest';
import { TunnelError, UsageError } from '../../../src/errors.js';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TunnelError };

/** Runs `parse`; a thrown non-TunnelError, or one without a message or hint, fails the property. */
export function valueOrTunnelError<T>(parse: () => T): Outcome<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (!(error instanceof TunnelError)) {
      throw new Error(`escaped a non-TunnelError: ${String(error)}`, { cause: error });
    }
    expect(error.message.trim()).not.toBe('');
    expect(typeof error.hint).toBe('string');
    expect((error.hint ?? '').trim()).not.toBe('');
    return { ok: false, error };
  }
}

/** Like valueOrTunnelError, but the only acceptable error is a UsageError. */
export function valueOrUsageError<T>(parse: () => T): Outcome<T> {
  const outcome = valueOrTunnelError(parse);
  if (!outcome.ok) expect(outcome.error).toBeInstanceOf(UsageError);
  return outcome;
}

/** Bytes that are often not valid UTF-8, decoded the way Node decodes a remote's stdout. */
export const nonUtf8Text = fc
  .uint8Array({ maxLength: 200 })
  .map((bytes) => Buffer.from(bytes).toString('utf8'));

/** ANSI colour/cursor sequences as k3d's logrus prints them, and some broken ones. */
export const ansi = fc.constantFrom(
  '\u001b[31m',
  '\u001b[0m',
  '\u001b[36mINFO\u001b[0m',
  '\u001b[2K',
  '\u001b[',
  '\u001b]0;title\u0007',
  '\u001b',
  '\u009b31m',
);

/** Text that mixes the interesting characters with arbitrary ones. */
export const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  nonUtf8Text,
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          ';',
          '$(',
          ')',
          '`',
          "'",
          '"',
          '\\',
          '\n',
          '\r\n',
          '\t',
          ' ',
          '\u0000',
          '%',
          '*',
          '@',
        ),
        ansi,
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 20 },
    )
    .map((parts) => parts.join('')),
);

/** Lines joined by LF or CRLF. */
export function joinLines(lines: readonly string[], crlf: boolean): string {
  return lines.join(crlf ? '\r\n' : '\n');
}
