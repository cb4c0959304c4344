// Supervisor.checkLink: a channel open that gets no answer (a listener's onStall) makes the session
// prove its link at once, instead of waiting for keepalives to notice a connection that died silently.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectDeclaredDeadThenBack, FakeConnection, forwardingOn, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor.checkLink while forwarding', () => {
  it('probes the link; a failed probe ends the connection and the session reconnects', async () => {
    const first = new FakeConnection('a');
    first.probe.mockResolvedValue(false);
    const { supervisor, forwards } = await forwardingOn(first);
    expect(first.probe).not.toHaveBeenCalled();
    supervisor.checkLink('no answer to a channel open for my-app/service/127.0.0.1:8080');
    await settle();
    expect(first.probe).toHaveBeenCalledTimes(1);
    // New clients are held (no opener) rather than sent into the dead connection.
    await expectDeclaredDeadThenBack(supervisor, forwards, first, 'while a connection waited for a channel');
    await supervisor.stop();
  });

  it('logs a check that throws and keeps forwarding (no unhandled rejection in the agent)', async () => {
    const first = new FakeConnection('a');
    first.probe.mockImplementation(() => {
      throw new Error('no transport');
    });
    const setup = await forwardingOn(first);
    setup.supervisor.checkLink('stalled open');
    await settle();
    expect(setup.supervisor.snapshot().state.kind).toBe('forwarding');
    expect(first.close).not.toHaveBeenCalled();
    await setup.supervisor.stop();
  });

  it('treats a probe that throws as a dead link', async () => {
    const first = new FakeConnection('a');
    first.probe.mockRejectedValue(new Error('channel open failed: connection gone'));
    const { supervisor } = await forwardingOn(first);
    supervisor.checkLink('stalled open');
    await settle();
    expect(first.close).toHaveBeenCalled();
    expect(supervisor.snapshot().state.kind).toBe('reconnecting');
    await supervisor.stop();
  });

  it('treats a probe that never answers as a dead link once probeTimeoutMs has passed', async () => {
    const first = new FakeConnection('a');
    first.probe.mockReturnValue(new Promise(() => {}));
    const { supervisor } = await forwardingOn(first, { probeTimeoutMs: 4_000 });
    supervisor.checkLink('stalled open');
    await vi.advanceTimersByTimeAsync(3_999);
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    expect(first.close).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(supervisor.snapshot().state).toMatchObject({
      kind: 'reconnecting',
      lastError: { message: expect.stringContaining('within 4000 ms') },
    });
    await supervisor.stop();
  });

  it('keeps forwarding over a link that answers the probe', async () => {
    const first = new FakeConnection('a');
    const { supervisor, ports } = await forwardingOn(first);
    supervisor.checkLink('slow open');
    await settle();
    expect(first.probe).toHaveBeenCalledTimes(1);
    expect(first.close).not.toHaveBeenCalled();
    expect(supervisor.snapshot()).toMatchObject({ state: { kind: 'forwarding' }, reconnectCount: 0 });
    expect(ports.connect).toHaveBeenCalledTimes(1);
    await supervisor.stop();
  });

  it('runs one probe at a time however many opens stall together', async () => {
    const first = new FakeConnection('a');
    let answer!: (alive: boolean) => void;
    first.probe.mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const { supervisor } = await forwardingOn(first);
    supervisor.checkLink('stalled open 1');
    supervisor.checkLink('stalled open 2');
    supervisor.checkLink('stalled open 3');
    await settle();
    expect(first.probe).toHaveBeenCalledTimes(1);
    answer(true);
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });
});

describe('Supervisor.checkLink while reconnecting', () => {
  it('does not cut the backoff wait short, and probes nothing', async () => {
    const { supervisor, steps, ports } = harness({
      backoff: { initialDelayMs: 20_000, maxDelayMs: 30_000, random: () => 0 },
    });
    steps.push(new Error('connect ETIMEDOUT'), new FakeConnection('a'));
    void supervisor.start();
    await settle();
    const waiting = supervisor.snapshot().state;
    expect(waiting.kind).toBe('reconnecting');
    supervisor.checkLink('no answer to a channel open');
    await vi.advanceTimersByTimeAsync(19_999);
    await settle();
    expect(ports.connect).toHaveBeenCalledTimes(1);
    expect(supervisor.snapshot().state).toEqual(waiting);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(ports.connect).toHaveBeenCalledTimes(2);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });
});
