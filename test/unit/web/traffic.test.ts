// The page's numbers (web/format.js) and its traffic history and sparkline (web/traffic.js), imported
// as the browser gets them: sizes and spans as a person reads them, bytes/s per second from the
// counters of successive status documents.
import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, logLineView } from '../../../web/format.js';
import { rates, recordTraffic, SPARK_WINDOW_MS, sparkline } from '../../../web/traffic.js';
import { forwardStatus, sessionStatus } from '../../builders.js';

const NOW = Date.parse('2026-01-01T10:05:00.000Z');
const doc = (sessions = [sessionStatus()]) => ({ schemaVersion: 1 as const, agent: null as never, sessions });

describe('formatting', () => {
  it('says bytes in binary units a person reads at a glance', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5.0 MiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
  });

  it('says spans in seconds, minutes, hours and days', () => {
    expect(formatDuration(3_200)).toBe('3 s');
    expect(formatDuration(4 * 60_000)).toBe('4 min');
    expect(formatDuration(125 * 60_000)).toBe('2 h 5 min');
    expect(formatDuration(5 * 24 * 3_600_000)).toBe('5 d');
  });
});

describe('logLineView', () => {
  it('renders a log line as time, level and text, bounded', () => {
    const v = logLineView({
      time: null,
      level: 'error',
      host: 'dev',
      message: 'lost',
      fields: 'x'.repeat(5000),
    });
    expect(v).toMatchObject({ time: '', level: 'error', tone: 'bad' });
    expect(v.text.startsWith('[dev] lost x')).toBe(true);
    expect(v.text).toHaveLength(2048);
  });
});

describe('traffic history and sparkline', () => {
  const withBytes = (bytesIn: number) =>
    doc([
      sessionStatus({
        clusters: [{ name: 'my-app', context: null, forwards: [forwardStatus({ bytesIn })] }],
      }),
    ]);

  it('puts the bytes between two updates in the second of the later one', () => {
    let history = recordTraffic(new Map(), withBytes(0), NOW - 10_000);
    history = recordTraffic(history, withBytes(4096), NOW - 500);
    const [samples] = [...history.values()];
    const perSecond = rates(samples ?? [], NOW);
    expect(perSecond).toHaveLength(60);
    expect(perSecond[59]).toBe(4096);
    expect(perSecond.slice(0, 59).every((r) => r === 0)).toBe(true);
    expect(sparkline(samples ?? [], NOW).label).toBe('1.3 KiB/s now, peak 4.0 KiB/s');
  });

  it('counts an update received this very millisecond in the last second', () => {
    expect(
      rates(
        [
          { t: NOW - 5000, total: 0 },
          { t: NOW, total: 2048 },
        ],
        NOW,
      )[59],
    ).toBe(2048);
    expect(
      rates(
        [
          { t: NOW - 5000, total: 0 },
          { t: NOW - 1000, total: 2048 },
        ],
        NOW,
      )[58],
    ).toBe(2048);
  });

  it('is flat and idle without traffic, and forgets what is older than the window', () => {
    let history = recordTraffic(new Map(), withBytes(100), NOW - 3 * SPARK_WINDOW_MS);
    history = recordTraffic(history, withBytes(200), NOW - 2 * SPARK_WINDOW_MS);
    history = recordTraffic(history, withBytes(200), NOW);
    const samples = [...history.values()][0] ?? [];
    expect(samples.map((s) => s.t)).toEqual([NOW - 2 * SPARK_WINDOW_MS, NOW]); // one baseline kept
    const line = sparkline(samples, NOW);
    expect(line.label).toBe('idle');
    expect(new Set(line.points.split(' ').map((p) => p.split(',')[1]))).toEqual(new Set(['27.0']));
  });

  it('drops the history of a forward that is gone, and keys it per host', () => {
    const a = recordTraffic(new Map(), withBytes(1), NOW);
    const other = doc([sessionStatus({ host: 'other' })]);
    const b = recordTraffic(a, other, NOW);
    expect([...a.keys()][0]?.startsWith('devserver\n')).toBe(true);
    expect([...b.keys()].every((k) => k.startsWith('other\n'))).toBe(true);
  });

  it('counts a counter that went down (a new forward under the same id) as nothing', () => {
    expect(
      rates(
        [
          { t: NOW - 2000, total: 5000 },
          { t: NOW - 1000, total: 10 },
        ],
        NOW,
      ).every((r) => r === 0),
    ).toBe(true);
  });
});
