// A link check on a link that is delivering data: the wait for the probe's answer starts again while
// bytes arrive (on a busy link the answer queues behind them), so a network change or a burst of slow
// channel opens never tears down a download that is running. A link that neither answers nor delivers
// is still declared dead after probeTimeoutMs.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeConnection, forwardingOn, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A probe the test answers when it likes (the keepalive reply queued behind a download). */
function slowProbe(connection: FakeConnection): (alive: boolean) => void {
  let answer!: (alive: boolean) => void;
  connection.probe.mockReturnValue(new Promise((resolve) => (answer = resolve)));
  return (alive) => answer(alive);
}

/** `ms` of a download: 64 KiB arrive every 500 ms. */
async function deliverFor(connection: FakeConnection, ms: number): Promise<void> {
  for (let at = 0; at < ms; at += 500) {
    connection.bytesReceived += 64 * 1024;
    await vi.advanceTimersByTimeAsync(500);
  }
  await settle();
}

describe('a link check while data arrives', () => {
  it('a network change during a download whose probe answer takes 8 s keeps the connection', async () => {
    const link = new FakeConnection('a');
    const answer = slowProbe(link);
    const { supervisor, world, ports } = await forwardingOn(link);
    world.fingerprint = 'en0=10.0.0.2,docker0=172.17.0.1';
    await vi.advanceTimersByTimeAsync(5_000); // the wake watch's tick sees the new interface
    expect(link.probe).toHaveBeenCalledTimes(1);
    await deliverFor(link, 8_000);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    answer(true);
    await settle();
    expect(link.close).not.toHaveBeenCalled();
    expect(supervisor.snapshot()).toMatchObject({ state: { kind: 'forwarding' }, reconnectCount: 0 });
    expect(ports.connect).toHaveBeenCalledTimes(1);
    await supervisor.stop();
  });

  it('a burst of slow channel opens on a busy link runs one check, logs it once, and keeps the link', async () => {
    const link = new FakeConnection('a');
    const answer = slowProbe(link);
    const { supervisor, logs } = await forwardingOn(link);
    for (let i = 0; i < 2_000; i += 1) supervisor.checkLink(`no answer to a channel open for web ${i}`);
    await deliverFor(link, 12_000);
    answer(true);
    await settle();
    expect(link.probe).toHaveBeenCalledTimes(1);
    expect(logs.filter((line) => line.includes('a channel open is not answered'))).toHaveLength(1);
    expect(link.close).not.toHaveBeenCalled();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });

  it('data that stops counts for nothing: after a whole probeTimeoutMs without bytes, the link is dead', async () => {
    const link = new FakeConnection('a');
    slowProbe(link);
    const { supervisor } = await forwardingOn(link, { probeTimeoutMs: 5_000 });
    supervisor.checkLink('stalled open');
    // Bytes until 5.5 s: the 5 s and 10 s deadlines each saw new bytes; 10–15 s sees none.
    await deliverFor(link, 6_000);
    await vi.advanceTimersByTimeAsync(8_900);
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(link.close).toHaveBeenCalled();
    expect(supervisor.snapshot().state).toMatchObject({
      kind: 'reconnecting',
      lastError: { message: expect.stringContaining('within 5000 ms') },
    });
    await supervisor.stop();
  });

  it('bytes that arrived before the check do not make a silent link alive', async () => {
    const link = new FakeConnection('a');
    slowProbe(link);
    link.bytesReceived = 50 * 1024 * 1024;
    const { supervisor } = await forwardingOn(link, { probeTimeoutMs: 5_000 });
    supervisor.checkLink('stalled open');
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(link.close).toHaveBeenCalled();
    expect(supervisor.snapshot().state.kind).toBe('reconnecting');
    await supervisor.stop();
  });

  it('a server that delivers but never answers is declared dead at probeMaxWaitMs', async () => {
    const link = new FakeConnection('a');
    slowProbe(link);
    const { supervisor } = await forwardingOn(link, { probeTimeoutMs: 5_000, probeMaxWaitMs: 30_000 });
    supervisor.checkLink('stalled open');
    await deliverFor(link, 29_500);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await deliverFor(link, 500);
    expect(link.close).toHaveBeenCalled();
    expect(supervisor.snapshot()).toMatchObject({
      reconnectCount: 1,
      lastError: { message: expect.stringContaining('no answer from the dev server') },
    });
    await supervisor.stop();
  });

  it('a network change on an idle link only probes: an answer keeps it, and nothing is torn down', async () => {
    const link = new FakeConnection('a');
    const { supervisor, world, logs } = await forwardingOn(link);
    world.fingerprint = 'en0=10.0.0.2,utun4=100.64.0.7';
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(link.probe).toHaveBeenCalledTimes(1);
    expect(link.close).not.toHaveBeenCalled();
    expect(logs).toContain('info: network changed: network interfaces changed');
    expect(logs.some((line) => line.startsWith('info: the link answered in'))).toBe(true);
    await supervisor.stop();
  });
});
