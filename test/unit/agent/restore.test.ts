// restore() brings saved sessions back after the session layer loads (lazily, restore.ts). Meanwhile the
// agent already answers: it is not idle, `status` and `disconnect --all` see the sessions coming back,
// and a load that fails, a Ctrl-C or a shutdown during the load leave nothing half started.
import { describe, expect, it, vi } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { agentHandlers } from '../../../src/agent/handlers.js';
import { type SessionLoader, sessionLoader } from '../../../src/agent/restore.js';
import type { SessionOptions } from '../../../src/config/resolve.js';
import { PROTOCOL_VERSION } from '../../../src/control/protocol.js';
import type { LogLevel } from '../../../src/log.js';

vi.mock('../../../src/agent/store.js', () => ({
  loadSessions: () => ({
    sessions: [
      {
        options: { alias: 'devserver' } as SessionOptions,
        ports: new Map(),
        contexts: [],
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    ],
    problems: [],
  }),
  saveSession: async () => {},
  forgetSession: () => {},
}));

/** What the agent uses of a ManagedSession; records what was done to it. */
class FakeSession {
  static made: FakeSession[] = [];
  resumed = false;
  started = false;
  stopped = false;
  readonly options: SessionOptions;
  readonly kubeconfig = { contexts: [], report: {}, remove: async () => ({ removed: [], left: [] }) };
  readonly listeners = { snapshot: () => [] };
  constructor(input: { options: SessionOptions }) {
    this.options = input.options;
    FakeSession.made.push(this);
  }
  resume() {
    this.resumed = true;
  }
  async start() {
    this.started = true;
  }
  async stop() {
    this.stopped = true;
  }
  status() {
    return { host: this.options.alias };
  }
  snapshot() {
    return { state: { kind: this.started || this.resumed ? 'forwarding' : 'idle' } };
  }
  localPorts() {
    return new Map();
  }
}

type SessionModule = Awaited<ReturnType<SessionLoader>>;
const fakeModule = { ManagedSession: FakeSession } as unknown as SessionModule;

/** A session layer that loads when the test says so, failing the first `failures` times. */
function gatedLoader(failures = 0) {
  let calls = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const load = sessionLoader(async () => {
    calls++;
    await gate;
    if (calls <= failures) throw new Error('Cannot find module managed-session.js');
    return fakeModule;
  });
  return { load, release, calls: () => calls };
}

function agentWith(load: SessionLoader) {
  const logged: { level: LogLevel; message: string }[] = [];
  const agent = new Agent((level, message) => logged.push({ level, message }), load);
  const handlers = agentHandlers({
    agent,
    socketPath: '/nowhere/agent.sock',
    startedAt: '2026-01-01T00:00:00.000Z',
    requestShutdown: () => {},
  });
  return { agent, handlers, logged };
}

/** Lets every pending promise callback run (no timer, no clock). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('restoring saved sessions', () => {
  it('brings them back, and the agent is not idle while the session layer loads', async () => {
    const { load, release } = gatedLoader();
    const { agent } = agentWith(load);
    const restoring = agent.restore();
    expect(agent.claimIdleStop()).toBe(false);
    release();
    expect(await restoring).toBe(1);
    expect(agent.hosts()).toEqual(['devserver']);
    expect(agent.claimIdleStop()).toBe(false);
  });

  it('status asked during the load answers with the sessions coming back, never "no session"', async () => {
    const { load, release } = gatedLoader();
    const { agent, handlers } = agentWith(load);
    void agent.restore();
    const all = Promise.resolve(handlers.status({ v: PROTOCOL_VERSION, id: 1, type: 'status' }, {} as never));
    const one = Promise.resolve(
      handlers.status({ v: PROTOCOL_VERSION, id: 2, type: 'status', host: 'devserver' }, {} as never),
    );
    await settle();
    release();
    expect((await all).sessions.map((s) => s.host)).toEqual(['devserver']);
    expect((await one).sessions.map((s) => s.host)).toEqual(['devserver']);
  });

  it('disconnect --all during the load removes the sessions coming back', async () => {
    const { load, release } = gatedLoader();
    const { agent, handlers } = agentWith(load);
    void agent.restore();
    const reply = Promise.resolve(
      handlers.disconnect(
        { v: PROTOCOL_VERSION, id: 1, type: 'disconnect', target: { all: true }, keepKubeconfig: false },
        {} as never,
      ),
    );
    await settle();
    release();
    expect((await reply).disconnected.map((d) => d.host)).toEqual(['devserver']);
    expect(agent.hosts()).toEqual([]);
  });

  it('a failed load is logged, the next connect loads again, and the agent still stops', async () => {
    const { load, release, calls } = gatedLoader(1);
    const { agent, logged } = agentWith(load);
    release();
    expect(await agent.restore()).toBe(1);
    expect(agent.hosts()).toEqual([]);
    expect(logged).toContainEqual({
      level: 'error',
      message: expect.stringContaining('saved session not restored'),
    });
    const result = await agent.connect(
      { alias: 'other' } as SessionOptions,
      {},
      new AbortController().signal,
    );
    expect(result.status.host).toBe('other');
    expect(calls()).toBe(2);
    await agent.stopAll();
    expect(agent.hosts()).toEqual([]);
  });

  it('Ctrl-C during the load: the connect fails and never logs in', async () => {
    FakeSession.made = [];
    const { load, release } = gatedLoader();
    const { agent } = agentWith(load);
    const interrupted = new AbortController();
    const connecting = agent.connect({ alias: 'devserver' } as SessionOptions, {}, interrupted.signal);
    await settle();
    interrupted.abort();
    release();
    await expect(connecting).rejects.toThrow();
    expect(FakeSession.made.map((s) => s.started)).toEqual([false]);
    expect(agent.hosts()).toEqual([]);
  });

  it('a shutdown during the load starts no session after stopAll()', async () => {
    FakeSession.made = [];
    const { load, release } = gatedLoader();
    const { agent } = agentWith(load);
    const restoring = agent.restore();
    const connecting = agent.connect({ alias: 'other' } as SessionOptions, {}, new AbortController().signal);
    await settle();
    await agent.stopAll();
    release();
    await restoring;
    await expect(connecting).rejects.toThrow('shutting down');
    expect(FakeSession.made.some((s) => s.started || s.resumed)).toBe(false);
    expect(agent.hosts()).toEqual([]);
  });
});
