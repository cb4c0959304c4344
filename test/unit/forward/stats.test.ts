// A listener's counters as `status` shows them: times kept as ms and formatted only in a snapshot, a
// retarget forgets the last remote check, and every change a user would see tells the feed.
import { describe, expect, it } from 'vitest';
import { ListenerStats } from '../../../src/forward/stats.js';

const T0 = Date.parse('2026-01-02T03:04:05.000Z');

describe('ListenerStats', () => {
  it('formats the activity and remote-check times in the snapshot, from the injected clock', () => {
    let now = T0;
    let told = 0;
    const stats = new ListenerStats(
      () => told++,
      () => now,
    );
    stats.accepted();
    now += 1000;
    stats.recordRemote(false, 'connection refused');
    const snapshot = stats.snapshot();
    expect(snapshot).toMatchObject({
      open: 1,
      total: 1,
      lastActivityAt: '2026-01-02T03:04:05.000Z',
      remoteAnswers: false,
      remoteCheckedAt: '2026-01-02T03:04:06.000Z',
      remoteError: 'connection refused',
    });
    expect(told).toBe(1);
    stats.closed();
    expect(stats.snapshot().open).toBe(0);
    expect(snapshot.open).toBe(1);
    expect(told).toBe(2);
  });

  it('forgets the remote check on a retarget, and records the last error with its time', () => {
    let now = T0;
    const stats = new ListenerStats(undefined, () => now);
    stats.recordRemote(true);
    stats.forgetRemote();
    now += 500;
    stats.recordError('client: reset');
    expect(stats.snapshot()).toMatchObject({
      remoteAnswers: undefined,
      remoteCheckedAt: undefined,
      remoteError: undefined,
      lastError: 'client: reset',
      lastErrorAt: '2026-01-02T03:04:05.500Z',
    });
  });
});
