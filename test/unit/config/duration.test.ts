import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DURATION_LIMITS, formatDuration, parseDuration } from '../../../src/config/duration.js';

describe('parseDuration', () => {
  it('reads a number with a unit, compound durations, and a bare number as milliseconds', () => {
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('30000')).toBe(30_000);
    expect(parseDuration(' 10S ')).toBe(10_000);
  });

  it('rejects garbage with a usage error naming where it came from, and a hint with examples', () => {
    for (const text of ['', 'soon', '5x', '-5s', '1m 30s', 's', '1.2.3s', '10 minutes']) {
      expect(() => parseDuration(text, '--hold-timeout')).toThrow(
        expect.objectContaining({
          code: 'BAD_INPUT',
          message: `--hold-timeout ${JSON.stringify(text)}: not a duration`,
          hint: expect.stringContaining('45s'),
        }),
      );
    }
  });

  it('rejects durations outside 100ms … 24h, saying what the range is', () => {
    expect(() => parseDuration('50ms', '--hold-timeout')).toThrow(
      '--hold-timeout 50ms: must be from 100ms to 24h',
    );
    expect(() => parseDuration('25h')).toThrow(/must be from 100ms to 24h/);
    expect(() => parseDuration('0')).toThrow(/must be from/);
    expect(parseDuration('100ms')).toBe(DURATION_LIMITS.minMs);
    expect(parseDuration('24h')).toBe(DURATION_LIMITS.maxMs);
    expect(parseDuration('5ms', 'x', { minMs: 1, maxMs: 10 })).toBe(5);
  });

  it('says a bare number is milliseconds, and lets a setting place its value next to its key', () => {
    expect(() => parseDuration('5', '--hold-timeout')).toThrow(
      '--hold-timeout 5: 5 means 5ms (a bare number is milliseconds); it must be from 100ms to 24h',
    );
    expect(() => parseDuration('5', (shown) => `setting holdTimeout ${shown} for devserver`)).toThrow(
      'setting holdTimeout "5" for devserver: 5 means 5ms (a bare number is milliseconds); it must be from 100ms to 24h',
    );
  });
});

describe('formatDuration', () => {
  it('writes the shortest exact spelling', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(86_400_000)).toBe('24h');
    expect(formatDuration(1500)).toBe('1s500ms');
    expect(formatDuration(0)).toBe('0ms');
  });

  it('is read back by parseDuration exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: DURATION_LIMITS.minMs, max: DURATION_LIMITS.maxMs }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
    );
  });
});
