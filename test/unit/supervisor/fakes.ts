// Fakes for the supervisor's ports: a connection whose end the test decides, listeners that record
// what was applied, and a harness that wires them with fake timers (the default clock reads the
// globals vi.useFakeTimers replaces).
import { PassThrough } from 'node:stream';
import { expect, vi } from 'vitest';
import { emptyStats } from '../../../src/forward/listener.js';
import type { ChannelOpener, ForwardSnapshot } from '../../../src/forward/types.js';
import type { ForwardSpec } from '../../../src/plan/types.js';
import type { K3dCluster } from '../../../src/remote/types.js';
import type {
  AppliedForwards,
  ConnectionEnd,
  ForwardsPort,
  SupervisedConnection,
  SupervisorPorts,
} from '../../../src/supervisor/ports.js';
import { Supervisor, type SupervisorOptions } from '../../../src/supervisor/supervisor.js';
import { forwardSpec, k3dCluster } from '../../builders.js';

export class FakeConnection implements SupervisedConnection {
  readonly closed: Promise<ConnectionEnd>;
  readonly openChannel: ChannelOpener = async () => new PassThrough();
  readonly probe = vi.fn(async () => true);
  /** What the server has delivered so far; a test raises it to play a link that is carrying data. */
  bytesReceived = 0;
  readonly close = vi.fn(() => this.end({ kind: 'local', message: 'closed by us' }));
  private resolveClosed!: (reason: ConnectionEnd) => void;

  constructor(readonly name: string) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  end(reason: ConnectionEnd): void {
    this.resolveClosed(reason);
  }
}

export class FakeForwards implements ForwardsPort {
  readonly live = new Map<string, ForwardSpec>();
  /** How many times each id was started: an untouched forward stays at 1. */
  readonly starts = new Map<string, number>();
  readonly openers: (ChannelOpener | undefined)[] = [];
  readonly events: string[];

  constructor(events: string[]) {
    this.events = events;
  }

  async apply(specs: readonly ForwardSpec[]): Promise<AppliedForwards> {
    const result: AppliedForwards = { started: [], stopped: [], failed: [] };
    const wanted = new Set(specs.map((spec) => spec.id));
    for (const [id, spec] of this.live) {
      if (wanted.has(id)) continue;
      this.live.delete(id);
      result.stopped.push(spec);
    }
    for (const spec of specs) {
      if (this.live.has(spec.id)) continue;
      this.live.set(spec.id, spec);
      this.starts.set(spec.id, (this.starts.get(spec.id) ?? 0) + 1);
      result.started.push(spec);
    }
    return result;
  }

  setOpener(opener: ChannelOpener | undefined): void {
    this.openers.push(opener);
  }

  get opener(): ChannelOpener | undefined {
    return this.openers.at(-1);
  }

  snapshot(): ForwardSnapshot[] {
    return [...this.live.values()].map((spec) => ({
      spec,
      state: 'listening',
      stats: emptyStats(),
    }));
  }

  async stopAll(): Promise<void> {
    this.events.push('listeners stopped');
    this.live.clear();
  }
}

export function cluster(name: string): K3dCluster {
  return k3dCluster(name);
}

function specFor(cluster: K3dCluster): ForwardSpec {
  return forwardSpec({ cluster: cluster.name, kind: 'api', remotePort: 6443, nodePort: 6443 });
}

/** What the next connect() does: hand over a connection, fail, or never answer. */
export type ConnectStep = FakeConnection | Error | 'hang';

export function harness(options: SupervisorOptions = {}) {
  const events: string[] = [];
  const logs: string[] = [];
  const steps: ConnectStep[] = [];
  const world = {
    clusters: [cluster('dev')],
    fingerprint: 'en0=10.0.0.2',
    discoverError: undefined as Error | undefined,
  };
  const forwards = new FakeForwards(events);
  const connections: FakeConnection[] = [];
  const ports: SupervisorPorts<FakeConnection> = {
    connect: vi.fn(async () => {
      const step = steps.shift() ?? 'hang';
      if (step === 'hang') return new Promise<FakeConnection>(() => {});
      if (step instanceof Error) throw step;
      connections.push(step);
      step.close.mockImplementation(() => {
        events.push(`closed ${step.name}`);
        step.end({ kind: 'local', message: 'closed by us' });
      });
      return step;
    }),
    discover: vi.fn(async () => {
      if (world.discoverError) throw world.discoverError;
      return [...world.clusters];
    }),
    plan: async (clusters) => clusters.map(specFor),
    forwards,
    applyKubeconfig: vi.fn(async () => {}),
    networkFingerprint: () => world.fingerprint,
    log: (level, message) => logs.push(`${level}: ${message}`),
  };
  const supervisor = new Supervisor(ports, { backoff: { random: () => 0 }, ...options });
  return { supervisor, ports, forwards, steps, world, events, connections, logs };
}

/** A supervisor forwarding on `connection`, with a second connection ready for its reconnect. */
export async function forwardingOn(connection: FakeConnection, options: SupervisorOptions = {}) {
  const setup = harness(options);
  setup.steps.push(connection, new FakeConnection('next'));
  void setup.supervisor.start();
  await settle();
  expect(setup.supervisor.snapshot().state.kind).toBe('forwarding');
  return setup;
}

/** Lets queued promise callbacks run (the fakes resolve over several microtask hops). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 30; i += 1) await Promise.resolve();
}

/**
 * After a probe found `dead` dead: it was closed, new clients are held (no opener), the session says why
 * (`why` is part of lastError), and 250 ms later (the first backoff) it forwards on the next connection.
 */
export async function expectDeclaredDeadThenBack(
  supervisor: Supervisor<FakeConnection>,
  forwards: FakeForwards,
  dead: FakeConnection,
  why: string,
): Promise<void> {
  expect(dead.close).toHaveBeenCalled();
  expect(forwards.opener).toBeUndefined();
  expect(supervisor.snapshot()).toMatchObject({
    state: { kind: 'reconnecting', lastError: { message: expect.stringContaining(why) } },
    reconnectCount: 1,
  });
  await vi.advanceTimersByTimeAsync(250);
  await settle();
  expect(supervisor.snapshot().state.kind).toBe('forwarding');
}
