import { describe, expect, it } from 'vitest';
import {
  formatFieldValue,
  formatLocalTime,
  hostOfLine,
  parseLogLine,
  renderLogLine,
  safeJsonLine,
} from '../../../src/cli/render-logs.js';

// Built from local clock parts, so the expected rendering holds in any time zone the tests run in.
const at = new Date(2026, 10, 24, 10, 42, 1, 123);
const line = (entry: object) => JSON.stringify({ time: at.toISOString(), ...entry });
const plain = { color: false };

describe('renderLogLine', () => {
  it('shows local time, padded level, host, message and the extra fields', () => {
    const text = renderLogLine(
      line({
        level: 'warn',
        message: 'connection lost: no answer to 3 keepalives',
        host: 'devserver',
        forward: 'my-app/service/127.0.0.1:8080',
      }),
      plain,
    );
    expect(text).toBe(
      '2026-11-24 10:42:01.123  WARN   devserver  connection lost: no answer to 3 keepalives  forward=my-app/service/127.0.0.1:8080',
    );
  });

  it('marks agent-wide lines (no host) with a dash in the host column', () => {
    expect(renderLogLine(line({ level: 'info', message: 'agent started', pid: 42 }), plain)).toBe(
      '2026-11-24 10:42:01.123  INFO   -  agent started  pid=42',
    );
  });

  it('pads the host column to the width it is given, so lines of different hosts line up', () => {
    const short = renderLogLine(line({ level: 'info', message: 'up', host: 'a' }), {
      ...plain,
      hostWidth: 9,
    });
    const long = renderLogLine(line({ level: 'error', message: 'down', host: 'devserver' }), {
      ...plain,
      hostWidth: 9,
    });
    expect(short.indexOf('up')).toBe(long.indexOf('down'));
  });

  it('quotes field values with spaces and shows objects as compact JSON', () => {
    const text = renderLogLine(
      line({ level: 'error', message: 'failed', reason: 'port in use', ports: [80, 443], ok: false }),
      plain,
    );
    expect(text).toContain('reason="port in use" ports=[80,443] ok=false');
  });

  it('escapes control characters in messages, hosts and fields instead of sending them to the terminal', () => {
    const text = renderLogLine(
      line({ level: 'info', message: 'evil\u001b[2Jname', host: 'dev\u0007', note: 'a\u009bb' }),
      plain,
    );
    expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toContain('evil\\x1b[2Jname');
    expect(text).toContain('dev\\x07');
    expect(text).toContain('note=a\\x9bb');
  });

  it('shows a line that is not JSON as it is, escaped', () => {
    expect(renderLogLine('Segmentation fault\u001b[0m', plain)).toBe('Segmentation fault\\x1b[0m');
    expect(renderLogLine('{"time":"2026-11-24T10:42:01.123Z","lev', plain)).toBe(
      '{"time":"2026-11-24T10:42:01.123Z","lev',
    );
  });

  it('shows JSON without a time, level or message, or with a bad time, as it is', () => {
    for (const raw of [
      '{"level":"info","message":"no time"}',
      '{"time":"yesterday","level":"info","message":"x"}',
      '{"time":"2026-11-24T10:42:01.123Z","level":3,"message":"x"}',
      '[1,2,3]',
      'null',
      '42',
    ]) {
      expect(renderLogLine(raw, plain)).toBe(raw);
    }
  });

  it('colours the level only when asked to (a terminal), and never when not', () => {
    const raw = line({ level: 'error', message: 'boom', host: 'devserver' });
    expect(renderLogLine(raw, plain)).not.toContain('\x1b[');
    const coloured = renderLogLine(raw, { color: true });
    expect(coloured).toContain('\x1b[31mERROR\x1b[0m');
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(renderLogLine(raw, plain));
  });

  it('keeps a non-string host as a field rather than as the host column', () => {
    expect(renderLogLine(line({ level: 'info', message: 'm', host: 7 }), plain)).toBe(
      '2026-11-24 10:42:01.123  INFO   -  m  host=7',
    );
  });
});

describe('helpers', () => {
  it('formats local time with milliseconds', () => {
    expect(formatLocalTime(new Date(2026, 0, 2, 3, 4, 5, 6))).toBe('2026-01-02 03:04:05.006');
  });

  it('quotes empty strings and strings with quotes or equals signs', () => {
    expect(formatFieldValue('')).toBe('""');
    expect(formatFieldValue('a=b')).toBe('"a=b"');
    expect(formatFieldValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(formatFieldValue('plain')).toBe('plain');
    expect(formatFieldValue(null)).toBe('null');
  });

  it('finds the host of a line, and none for agent-wide or broken lines', () => {
    expect(hostOfLine(line({ level: 'info', message: 'm', host: 'devserver' }))).toBe('devserver');
    expect(hostOfLine(line({ level: 'info', message: 'm' }))).toBeUndefined();
    expect(hostOfLine('not json')).toBeUndefined();
  });

  it('parses the fields of a line in file order', () => {
    const entry = parseLogLine(line({ level: 'debug', message: 'm', b: 1, a: 2 }));
    expect(entry?.fields).toEqual([
      ['b', 1],
      ['a', 2],
    ]);
  });

  it('escapes C1 control characters in raw JSON lines without changing the value', () => {
    const raw = JSON.stringify({ message: 'a\u009b2Jb\u007f' });
    const safe = safeJsonLine(raw);
    expect(safe).not.toMatch(/[\u007f-\u009f]/);
    expect(JSON.parse(safe)).toEqual(JSON.parse(raw));
  });
});
