// releaseStartedAgent: which agent a failed connect takes down (only the one it started, only while it
// holds no session), on fakes: no agent, no sockets, no clock.
import { describe, expect, it } from 'vitest';
import { releaseStartedAgent } from '../../../src/agent/started-agent.js';
import type { ControlClient } from '../../../src/control/client.js';

const hello = (pid: number) => ({ agentVersion: '0.1.0', protocolVersion: 1, pid });

/** A running agent whose status lists these session counts, one per status request (the last repeats). */
function agent(pid: number, sessionCounts: number[]) {
  const calls = { status: 0, closed: 0, stopped: [] as number[] };
  const client = {
    request: async () => {
      const count = sessionCounts[Math.min(calls.status++, sessionCounts.length - 1)] ?? 0;
      return { sessions: Array.from({ length: count }, (_, index) => ({ host: `h${index}` })) };
    },
    close: () => {
      calls.closed++;
    },
  } as unknown as ControlClient;
  const options = {
    reach: async () => ({ client, hello: hello(pid) }),
    stop: async (_client: ControlClient, stopped: number) => {
      calls.stopped.push(stopped);
    },
    sleep: async () => {},
  };
  return { calls, options };
}

describe('releaseStartedAgent', () => {
  it('stops the agent this command started once it holds no session', async () => {
    const { calls, options } = agent(42, [1, 1, 0]);
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, options)).toBe(true);
    expect(calls.stopped).toEqual([42]);
    expect(calls.status).toBe(3);
  });

  it('never stops an agent that was already running', async () => {
    const { calls, options } = agent(42, [0]);
    expect(await releaseStartedAgent({ started: false, hello: hello(42) }, options)).toBe(false);
    expect(calls.stopped).toEqual([]);
  });

  it('keeps an agent that holds sessions (restored ones, another connect) past the settle time', async () => {
    const { calls, options } = agent(42, [1]);
    expect(
      await releaseStartedAgent({ started: true, hello: hello(42) }, { ...options, settleMs: 500 }),
    ).toBe(false);
    expect(calls.stopped).toEqual([]);
    expect(calls.closed).toBe(1);
  });

  it('keeps an agent that is not the one it started (another pid answers now)', async () => {
    const { calls, options } = agent(43, [0]);
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, options)).toBe(false);
    expect(calls.stopped).toEqual([]);
  });

  it('never throws: an agent that cannot be reached is left as it is', async () => {
    const reach = async () => {
      throw new Error('socket gone');
    };
    expect(await releaseStartedAgent({ started: true, hello: hello(42) }, { reach })).toBe(false);
  });
});
