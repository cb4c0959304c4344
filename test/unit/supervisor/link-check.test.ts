// LinkCheck: one check at a time per connection. A check still waiting on a dead link must not keep the
// next connection from being checked, and a check that failed must not block every later one.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { LinkCheck } from '../../../src/supervisor/link-check.js';
import { systemClock } from '../../../src/supervisor/ports.js';
import { FakeConnection } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const check = () =>
  new LinkCheck({ clock: systemClock, log: silentLogger, timeoutMs: 60_000, maxWaitMs: 120_000 });

describe('LinkCheck', () => {
  it('checks a new connection while a check of the dead old one still waits', async () => {
    const links = check();
    const dead = new FakeConnection('old');
    dead.probe.mockReturnValue(new Promise(() => {}));
    const deadCheck = links.run(dead, 'network', 'en0 changed');
    const fresh = new FakeConnection('new');
    expect(await links.run(fresh, 'stall', 'open for my-app')).toBeUndefined();
    expect(fresh.probe).toHaveBeenCalledTimes(1);
    // A second check of the same connection while one runs is still folded into it.
    expect(await links.run(dead, 'stall', 'again')).toBeUndefined();
    expect(dead.probe).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await deadCheck).toMatchObject({
      kind: 'keepalive',
      message: expect.stringContaining('within 60000 ms'),
    });
  });

  it('checks again after a check that threw', async () => {
    const links = check();
    const connection = new FakeConnection('a');
    connection.probe.mockImplementationOnce(() => {
      throw new Error('no transport');
    });
    await expect(links.run(connection, 'network', 'en0 changed')).rejects.toThrow('no transport');
    expect(await links.run(connection, 'network', 'en0 changed')).toBeUndefined();
    expect(connection.probe).toHaveBeenCalledTimes(2);
  });
});
