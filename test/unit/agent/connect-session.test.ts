// withAgent/connectSession: the agent this command reached is released after a failed request or a
// Ctrl-C, never after one that worked; an interruption ends in InterruptedError (exit 130). On fakes.
import { describe, expect, it } from 'vitest';
import type { AgentConnection } from '../../../src/agent/autostart.js';
import { connectSession, withAgent } from '../../../src/agent/connect-session.js';
import type { ControlClient } from '../../../src/control/client.js';
import { InterruptedError, TunnelError } from '../../../src/errors.js';

function fakeAgent(answer: (close: Promise<void>) => Promise<unknown>) {
  const calls = { released: 0, closed: 0, requests: [] as string[] };
  let onClose = () => {};
  const closed = new Promise<void>((resolve) => {
    onClose = resolve;
  });
  const client = {
    request: async (type: string) => {
      calls.requests.push(type);
      return answer(closed);
    },
    close: () => {
      calls.closed++;
      onClose();
    },
  } as unknown as ControlClient;
  const agent = {
    client,
    hello: { agentVersion: '0.1.0', protocolVersion: 1, pid: 42 },
    started: true,
    replaced: undefined,
  } satisfies AgentConnection;
  const request = {
    reach: async () => agent,
    interrupted: 'connect devserver interrupted',
    release: async () => {
      calls.released++;
      return true;
    },
  };
  return { calls, request };
}

const options = { alias: 'devserver' } as never;

describe('connectSession', () => {
  it('returns the reply and releases nothing when the connect works', async () => {
    const { calls, request } = fakeAgent(async () => ({ reused: false }));
    const { value, hello } = await connectSession({ ...request, options, timeoutMs: 1000 });
    expect(value).toEqual({ reused: false });
    expect(hello.pid).toBe(42);
    expect(calls.requests).toEqual(['connect']);
    expect(calls.released).toBe(0);
    expect(calls.closed).toBeGreaterThan(0);
  });

  it('releases the agent after a failed connect and passes the failure on', async () => {
    const { calls, request } = fakeAgent(async () => {
      throw new TunnelError('SSH_AUTH', 'permission denied');
    });
    await expect(connectSession({ ...request, options, timeoutMs: 1000 })).rejects.toThrow(
      'permission denied',
    );
    expect(calls.released).toBe(1);
  });

  it('Ctrl-C: abandons the request (closes the connection), releases the agent, says interrupted', async () => {
    const { calls, request } = fakeAgent(async (closed) => {
      await closed;
      throw new TunnelError('AGENT', 'the connection to the agent closed');
    });
    const interrupt = new AbortController();
    const running = withAgent({ ...request, signal: interrupt.signal }, (agent) =>
      agent.client.request('status', {}),
    );
    await Promise.resolve();
    interrupt.abort();
    const error = await running.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as Error).message).toBe('connect devserver interrupted');
    expect(calls.released).toBe(1);
  });
});
