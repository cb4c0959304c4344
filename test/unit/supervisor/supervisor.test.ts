// The supervisor's loop driven through every transition with fake ports and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { cluster, FakeConnection, harness, settle } from './fakes.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Supervisor: connecting and reconnecting', () => {
  it('retries a failed first connect after the backoff, then forwards', async () => {
    const { supervisor, steps, forwards, ports } = harness();
    steps.push(new Error('connect ECONNREFUSED 10.0.0.1:22'), new FakeConnection('a'));
    void supervisor.start();
    await settle();
    const down = supervisor.snapshot();
    expect(down.state).toMatchObject({
      kind: 'reconnecting',
      attempt: 1,
      nextAttemptAt: '2026-01-01T00:00:00.250Z',
      lastError: { message: 'connect ECONNREFUSED 10.0.0.1:22' },
    });
    expect(ports.connect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(249);
    expect(ports.connect).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    const up = supervisor.snapshot();
    expect(up.state.kind).toBe('forwarding');
    expect(up.since).toBe('2026-01-01T00:00:00.250Z');
    expect(up.reconnectCount).toBe(0);
    // The last failure stays visible after recovery.
    expect(up.lastError?.message).toContain('ECONNREFUSED');
    expect(up.forwards.map((forward) => forward.spec.id)).toEqual(['dev/api/127.0.0.1:6443']);
    expect(forwards.opener).toBeDefined();
    expect(ports.applyKubeconfig).toHaveBeenCalledWith(expect.objectContaining({ trigger: 'connect' }));
    await supervisor.stop();
  });

  it.each([
    ['remote', 'closed the connection'],
    ['keepalive', 'stopped answering'],
  ] as const)(
    'goes back to reconnecting when the connection ends (%s), holding clients meanwhile',
    async (kind, hint) => {
      const { supervisor, steps, forwards, ports } = harness();
      const first = new FakeConnection('a');
      steps.push(first, new FakeConnection('b'));
      void supervisor.start();
      await settle();
      first.end({ kind, message: 'gone' });
      await settle();
      const snapshot = supervisor.snapshot();
      expect(snapshot.state).toMatchObject({ kind: 'reconnecting', attempt: 1 });
      expect(snapshot.reconnectCount).toBe(1);
      expect(snapshot.lastError).toMatchObject({
        message: 'connection lost: gone',
        hint: expect.stringContaining(hint),
      });
      expect(forwards.opener).toBeUndefined();
      // Listeners were not stopped: the forward is still there, waiting.
      expect(snapshot.forwards).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(250);
      await settle();
      expect(supervisor.snapshot().state.kind).toBe('forwarding');
      expect(ports.connect).toHaveBeenCalledTimes(2);
      expect(forwards.starts.get('dev/api/127.0.0.1:6443')).toBe(1);
      await supervisor.stop();
    },
  );

  it('treats a discovery failure right after connecting as a failed attempt and closes that connection', async () => {
    const { supervisor, steps, world } = harness();
    const first = new FakeConnection('a');
    steps.push(first, new FakeConnection('b'));
    world.discoverError = new Error('k3d: command not found');
    void supervisor.start();
    await settle();
    expect(first.close).toHaveBeenCalled();
    expect(supervisor.snapshot()).toMatchObject({
      state: { kind: 'reconnecting', lastError: { message: 'k3d: command not found' } },
      reconnectCount: 0,
    });
    world.discoverError = undefined;
    await vi.advanceTimersByTimeAsync(250);
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });

  it('carries a TunnelError code and hint into lastError', async () => {
    const { supervisor, steps } = harness();
    steps.push(new TunnelError('SSH_AUTH', 'permission denied', { hint: 'Run: ssh-add' }));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().lastError).toMatchObject({ code: 'SSH_AUTH', hint: 'Run: ssh-add' });
    await supervisor.stop();
  });

  it('does not wait for a discovery that hangs on a connection that died under it', async () => {
    const { supervisor, steps, ports } = harness();
    const first = new FakeConnection('a');
    steps.push(first);
    vi.mocked(ports.discover).mockImplementationOnce(() => new Promise(() => {}));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('connecting');
    first.end({ kind: 'keepalive', message: 'Keepalive timeout' });
    await settle();
    expect(supervisor.snapshot()).toMatchObject({
      state: { kind: 'reconnecting', lastError: { message: 'connection lost: Keepalive timeout' } },
      reconnectCount: 0,
    });
    await supervisor.stop();
  });

  it('retries quickly once after losing a connection that served; only failed attempts grow the delay', async () => {
    const { supervisor, steps } = harness({ backoff: { random: () => 0.999999 } });
    const next = () =>
      Date.parse((supervisor.snapshot().state as { nextAttemptAt: string }).nextAttemptAt) - Date.now();
    steps.push(new Error('refused'), new Error('refused'));
    void supervisor.start();
    await settle();
    expect(next()).toBe(750);
    await vi.advanceTimersByTimeAsync(750);
    await settle();
    expect(next()).toBe(2250);
    const short = new FakeConnection('short');
    steps.push(short);
    await vi.advanceTimersByTimeAsync(2250);
    await settle();
    await vi.advanceTimersByTimeAsync(10_000);
    short.end({ kind: 'remote', message: 'sshd restarted' });
    await settle();
    // It served for 10 s: the first retry is quick (0.25-0.5 s), like autossh restarting ssh at once.
    expect(next()).toBe(500);
    steps.push(new Error('handshake timed out'));
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    // That retry failed: within a minute of the loss no wait exceeds 2 s...
    expect(next()).toBe(2000);
    let sinceLoss = 500;
    while (sinceLoss < 60_000) {
      steps.push(new Error('handshake timed out'));
      sinceLoss += next();
      await vi.advanceTimersByTimeAsync(next());
      await settle();
    }
    // ...then the backoff, which went on growing from where the failures had brought it (not reset).
    expect(next()).toBe(30_000);
    const stable = new FakeConnection('stable');
    steps.push(stable);
    await vi.advanceTimersByTimeAsync(30_000);
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    stable.end({ kind: 'remote', message: 'restart' });
    await settle();
    expect(next()).toBe(500);
    steps.push(new Error('handshake timed out'));
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    // A minute of service reset the backoff: failures start short again.
    expect(next()).toBe(750);
    expect(supervisor.snapshot().reconnectCount).toBe(2);
    await supervisor.stop();
  });

  it('a connection dropped right after forwarding: one quick retry, then the backoff if it happens again', async () => {
    const { supervisor, steps } = harness({ backoff: { random: () => 0.999999 } });
    const next = () =>
      Date.parse((supervisor.snapshot().state as { nextAttemptAt: string }).nextAttemptAt) - Date.now();
    const flap = new FakeConnection('flap');
    const again = new FakeConnection('again');
    steps.push(flap, again);
    void supervisor.start();
    await settle();
    await vi.advanceTimersByTimeAsync(200);
    flap.end({ kind: 'remote', message: 'dropped right after login' });
    await settle();
    expect(next()).toBe(500);
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    await vi.advanceTimersByTimeAsync(200);
    again.end({ kind: 'remote', message: 'dropped right after login' });
    await settle();
    expect(next()).toBe(750);
    await supervisor.stop();
  });

  it('a refused login after losing a connection meets the growing backoff, not the 2 s cap', async () => {
    const { supervisor, steps } = harness({ backoff: { random: () => 0.999999 } });
    const next = () =>
      Date.parse((supervisor.snapshot().state as { nextAttemptAt: string }).nextAttemptAt) - Date.now();
    const served = new FakeConnection('served');
    const denied = () => new TunnelError('SSH_AUTH', 'Permission denied (publickey)');
    steps.push(served, denied(), denied(), denied());
    void supervisor.start();
    await settle();
    await vi.advanceTimersByTimeAsync(5_000);
    served.end({ kind: 'remote', message: 'account locked' });
    await settle();
    const delays = [next()];
    for (let i = 0; i < 3; i += 1) {
      await vi.advanceTimersByTimeAsync(delays[i] ?? 0);
      await settle();
      delays.push(next());
    }
    expect(delays).toEqual([500, 750, 2250, 6750]);
    await supervisor.stop();
  });

  it('retries a refused connect every 0.25–0.5 s for a minute (sshd restarting), then backs off', async () => {
    const { supervisor, steps, ports } = harness({ backoff: { random: () => 0.999999 } });
    const refused = () =>
      new TunnelError('SSH_CONNECT', 'Cannot connect to dev: connection refused', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    const next = () =>
      Date.parse((supervisor.snapshot().state as { nextAttemptAt: string }).nextAttemptAt) - Date.now();
    for (let i = 0; i < 200; i += 1) steps.push(refused());
    void supervisor.start();
    await settle();
    const delays: number[] = [];
    // 60 s of refusals: every delay is the quick one, the attempt count still goes up.
    let elapsed = 0;
    while (elapsed < 59_500) {
      const delayMs = next();
      delays.push(delayMs);
      elapsed += delayMs;
      await vi.advanceTimersByTimeAsync(delayMs);
      await settle();
    }
    expect(Math.max(...delays)).toBe(500);
    expect(supervisor.snapshot().state).toMatchObject({ kind: 'reconnecting', attempt: delays.length + 1 });
    // Past the window: the ordinary backoff, growing from its start.
    await vi.advanceTimersByTimeAsync(next());
    await settle();
    expect(next()).toBe(750);
    expect(ports.connect).toHaveBeenCalledTimes(delays.length + 2);
    await supervisor.stop();
  });

  it('a failure other than refused ends the quick retries at once', async () => {
    const { supervisor, steps } = harness({ backoff: { random: () => 0.999999 } });
    const refused = new TunnelError('SSH_CONNECT', 'refused', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const next = () =>
      Date.parse((supervisor.snapshot().state as { nextAttemptAt: string }).nextAttemptAt) - Date.now();
    steps.push(refused, new Error('handshake timed out'), new Error('handshake timed out'));
    void supervisor.start();
    await settle();
    expect(next()).toBe(500);
    await vi.advanceTimersByTimeAsync(500);
    await settle();
    expect(next()).toBe(750);
    await vi.advanceTimersByTimeAsync(750);
    await settle();
    expect(next()).toBe(2250);
    await supervisor.stop();
  });
});

describe('Supervisor: re-discovery', () => {
  it('every 30 s applies only the difference: adds, removes, leaves unchanged forwards alone', async () => {
    const { supervisor, steps, world, forwards, ports } = harness();
    steps.push(new FakeConnection('a'));
    world.clusters = [cluster('dev'), cluster('old')];
    void supervisor.start();
    await settle();
    expect([...forwards.live.keys()]).toEqual(['dev/api/127.0.0.1:6443', 'old/api/127.0.0.1:6443']);
    world.clusters = [cluster('dev'), cluster('new')];
    await vi.advanceTimersByTimeAsync(29_999);
    expect(ports.discover).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(ports.discover).toHaveBeenCalledTimes(2);
    expect([...forwards.live.keys()]).toEqual(['dev/api/127.0.0.1:6443', 'new/api/127.0.0.1:6443']);
    expect(forwards.starts.get('dev/api/127.0.0.1:6443')).toBe(1);
    expect(ports.applyKubeconfig).toHaveBeenLastCalledWith(
      expect.objectContaining({ trigger: 'rediscover' }),
    );
    // Unchanged world: the next tick changes nothing, but kubeconfig is still offered (new certificates).
    await vi.advanceTimersByTimeAsync(30_000);
    await settle();
    expect(ports.discover).toHaveBeenCalledTimes(3);
    expect(forwards.starts.get('dev/api/127.0.0.1:6443')).toBe(1);
    expect(supervisor.snapshot().state.kind).toBe('forwarding');
    await supervisor.stop();
  });

  it('keeps forwarding when a re-discovery fails, and says so in lastError', async () => {
    const { supervisor, steps, world } = harness({ rediscoverIntervalMs: 5_000 });
    steps.push(new FakeConnection('a'));
    void supervisor.start();
    await settle();
    world.discoverError = new Error('exec timed out');
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(supervisor.snapshot()).toMatchObject({
      state: { kind: 'forwarding' },
      lastError: { message: 'exec timed out' },
      forwards: [expect.anything()],
    });
    await supervisor.stop();
  });
});

describe('Supervisor: stopping', () => {
  it('stops during the backoff wait: no further attempt, listeners closed, state stopped', async () => {
    const { supervisor, steps, ports, forwards } = harness();
    steps.push(new Error('refused'));
    void supervisor.start();
    await settle();
    await supervisor.stop();
    expect(supervisor.snapshot().state).toEqual({ kind: 'stopped' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ports.connect).toHaveBeenCalledTimes(1);
    expect(forwards.events).toEqual(['listeners stopped']);
  });

  it('stops during a connect that never answers, and closes a connection that arrives too late', async () => {
    const { supervisor, ports } = harness();
    let deliver!: (connection: FakeConnection) => void;
    vi.mocked(ports.connect).mockImplementationOnce(() => new Promise((resolve) => (deliver = resolve)));
    void supervisor.start();
    await settle();
    expect(supervisor.snapshot().state.kind).toBe('connecting');
    await supervisor.stop();
    expect(supervisor.snapshot().state.kind).toBe('stopped');
    expect(vi.mocked(ports.connect).mock.calls[0]![0].aborted).toBe(true);
    const late = new FakeConnection('late');
    deliver(late);
    await settle();
    expect(late.close).toHaveBeenCalled();
  });

  it('stops during a discovery that ignores the signal, and still closes the connection', async () => {
    const { supervisor, steps, ports } = harness();
    const first = new FakeConnection('a');
    steps.push(first);
    vi.mocked(ports.discover).mockImplementationOnce(() => new Promise(() => {}));
    void supervisor.start();
    await settle();
    await supervisor.stop();
    expect(first.close).toHaveBeenCalled();
    expect(supervisor.snapshot().state.kind).toBe('stopped');
  });

  it('shuts down in order: listeners first, then the connection they use', async () => {
    const { supervisor, steps, events } = harness();
    steps.push(new FakeConnection('a'));
    const controller = new AbortController();
    const done = supervisor.start(controller.signal);
    await settle();
    controller.abort();
    await done;
    expect(events).toEqual(['listeners stopped', 'closed a']);
    expect(supervisor.snapshot().state.kind).toBe('stopped');
  });
});
