// releaseStartedAgent: which agent a failed connect takes down (only the one it started, only when the
// agent says it is idle), and ensureAgent's `started` (only the process this call spawned, never a
// replacement), on fakes: no agent, no sockets, no clock.
import { describe, expect, it } from 'vitest';
import { ensureAgent } from '../../../src/agent/autostart.js';
import { releaseStartedAgent } from '../../../src/agent/started-agent.js';
import { AgentUnavailableError, type ControlClient } from '../../../src/control/client.js';
import { PROTOCOL_VERSION } from '../../../src/control/protocol.js';
import { VERSION } from '../../../src/version.js';

const hello = (pid: number, agentVersion = VERSION) => ({
  agentVersion,
  protocolVersion: PROTOCOL_VERSION,
  pid,
});

/** A running agent that refuses `shutdown {ifIdle}` this many times, then stops. */
function agent(pid: number, refusals: number) {
  const calls = { reached: 0, closed: 0, asked: 0, stopped: [] as number[] };
  const client = {
    close: () => {
      calls.closed++;
    },
  } as unknown as ControlClient;
  const options = {
    reach: async () => {
      calls.reached++;
      return { client, hello: hello(pid) };
    },
    stopIfIdle: async (_client: ControlClient, stopped: number) => {
      if (calls.asked++ < refusals) return false;
      calls.stopped.push(stopped);
      return true;
    },
    sleep: async () => {},
  };
  return { calls, options };
}

describe('releaseStartedAgent', () => {
  it('stops the agent this command started once the agent says it is idle', async () => {
    const { calls, options } = agent(42, 2);
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, options)).toBe(true);
    expect(calls.stopped).toEqual([42]);
    expect(calls.asked).toBe(3);
  });

  it('never stops an agent that was already running', async () => {
    const { calls, options } = agent(42, 0);
    expect(await releaseStartedAgent({ started: false, hello: hello(42) }, options)).toBe(false);
    expect(calls.asked).toBe(0);
  });

  it('keeps an agent that stays in use (restored sessions, another connect) past the settle time', async () => {
    const { calls, options } = agent(42, Number.POSITIVE_INFINITY);
    expect(
      await releaseStartedAgent({ started: true, hello: hello(42) }, { ...options, settleMs: 500 }),
    ).toBe(false);
    expect(calls.stopped).toEqual([]);
    expect(calls.closed).toBe(calls.reached);
  });

  it('keeps an agent that is not the one it started (another pid answers now)', async () => {
    const { calls, options } = agent(43, 0);
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, options)).toBe(false);
    expect(calls.asked).toBe(0);
  });

  it('never throws: an agent that cannot be reached is left as it is', async () => {
    const reach = async () => {
      throw new Error('socket gone');
    };
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, { reach })).toBe(false);
  });
});

/** ensureAgent's effects: agents answer hello with these, in order; spawn returns `spawned`. */
function effects(answers: ReturnType<typeof hello>[], spawned: number | undefined) {
  const calls = { spawned: 0, stopped: [] as number[] };
  const client = { close: () => {} } as unknown as ControlClient;
  return {
    calls,
    effects: {
      connect: async () => {
        const next = answers.shift();
        if (!next) throw new AgentUnavailableError('no agent');
        return { client, hello: next };
      },
      spawn: async () => {
        calls.spawned++;
        return spawned;
      },
      stop: async (_client: ControlClient, pid: number) => {
        calls.stopped.push(pid);
      },
    },
  };
}

/** No agent at first (connect refused once), then the fake's answers. */
function noneFirst(fake: ReturnType<typeof effects>) {
  const connect = fake.effects.connect;
  let tries = 0;
  fake.effects.connect = async () => {
    if (tries++ === 0) throw new AgentUnavailableError('no agent');
    return connect();
  };
  return fake;
}

describe('ensureAgent: started', () => {
  it('is true when the agent that answers is the process this call spawned', async () => {
    const fake = noneFirst(effects([hello(42)], 42));
    expect((await ensureAgent({ effects: fake.effects }))?.started).toBe(true);
  });

  it('is false when another agent won the lock (our spawn exited 0, another pid answers)', async () => {
    const fake = noneFirst(effects([hello(77)], 42));
    const agentNow = await ensureAgent({ effects: fake.effects });
    expect(fake.calls.spawned).toBe(1);
    expect(agentNow?.hello.pid).toBe(77);
    expect(agentNow?.started).toBe(false);
  });

  it('is false when it replaced an agent of another version (it may be the login item)', async () => {
    const fake = effects([hello(10, '0.0.1'), hello(42)], 42);
    const agentNow = await ensureAgent({ effects: fake.effects });
    expect(fake.calls.stopped).toEqual([10]);
    expect(agentNow?.replaced).toBe('0.0.1');
    expect(agentNow?.started).toBe(false);
  });
});
