// shutdown {ifIdle}: the agent itself decides it is idle (no session, no connect under way), so a CLI
// cleaning up after its failed connect cannot stop an agent another connect is about to use.
import { describe, expect, it } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import { agentHandlers } from '../../../src/agent/handlers.js';
import type { SessionOptions } from '../../../src/config/resolve.js';
import type { RequestContext } from '../../../src/control/server.js';
import { isTunnelError } from '../../../src/errors.js';

const context = { signal: new AbortController().signal } as unknown as RequestContext;

function handlers() {
  const agent = new Agent(() => {});
  const shutdowns: string[] = [];
  const handle = agentHandlers({
    agent,
    socketPath: '/nowhere',
    startedAt: '2026-01-01T00:00:00.000Z',
    requestShutdown: (reason) => shutdowns.push(reason),
  });
  return { agent, handle, shutdowns };
}

describe('shutdown {ifIdle: true}', () => {
  it('is refused while a connect is under way, and accepted once it has ended', async () => {
    const { agent, handle, shutdowns } = handlers();
    // Options the session cannot even be built from: the connect fails without any network, but only
    // after it was received.
    const connecting = agent.connect({ alias: 'devserver' } as SessionOptions, {}, context.signal);
    const refused = await Promise.resolve()
      .then(() => handle.shutdown({ ifIdle: true } as never, context))
      .catch((error: unknown) => error);
    expect(isTunnelError(refused) && refused.code).toBe('STATE');
    await connecting.catch(() => {});
    expect(await handle.shutdown({ ifIdle: true } as never, context)).toEqual({});
    await new Promise((resolve) => setImmediate(resolve));
    expect(shutdowns).toEqual(['shutdown requested by the CLI']);
  });

  it('once accepted, a connect that arrives is refused instead of being cut off', async () => {
    const { agent, handle } = handlers();
    await handle.shutdown({ ifIdle: true } as never, context);
    const error = await agent
      .connect({ alias: 'devserver' } as SessionOptions, {}, context.signal)
      .catch((e) => e);
    expect(isTunnelError(error) && error.message).toBe('the agent is shutting down');
  });
});
