// A command that needs the agent to do something and may start it for that (`tunnel connect`,
// `tunnel cluster create --connect`): reach the agent, run the request, and when the request fails or
// the user interrupts it (Ctrl-C), take down the agent this command started, once it is idle
// (releaseStartedAgent): a failed command leaves no background process behind.
import type { HelloInfo } from '../control/client.js';
import type { ResponseBodies } from '../control/protocol.js';
import type { SerializedOptions } from '../control/session-options.js';
import { InterruptedError } from '../errors.js';
import type { AgentConnection } from './autostart.js';
import { releaseStartedAgent } from './started-agent.js';

export interface AgentRequest {
  /** Reaches the agent, starting it when none runs (the CLI's requireAgent, which also reports). */
  reach: () => Promise<AgentConnection>;
  /** Aborted on Ctrl-C: the request is abandoned and InterruptedError(`interrupted`) thrown. */
  signal?: AbortSignal;
  interrupted: string;
  release?: (agent: AgentConnection) => Promise<boolean>;
}

/** Runs `work` on the agent; on failure or interruption releases the agent this command started. */
export async function withAgent<T>(
  request: AgentRequest,
  work: (agent: AgentConnection) => Promise<T>,
): Promise<{ value: T; hello: HelloInfo }> {
  const { signal } = request;
  if (signal?.aborted) throw new InterruptedError(request.interrupted);
  const agent = await request.reach();
  // Closing our connection abandons the request: the agent drops a session it was starting for us.
  const abandon = () => agent.client.close();
  signal?.addEventListener('abort', abandon, { once: true });
  try {
    if (signal?.aborted) throw new InterruptedError(request.interrupted);
    return { value: await work(agent), hello: agent.hello };
  } catch (error) {
    // Closed first, so the agent drops a session still connecting (after a timeout) before it is asked
    // to stop.
    agent.client.close();
    await (request.release ?? releaseStartedAgent)(agent);
    throw signal?.aborted ? new InterruptedError(request.interrupted) : error;
  } finally {
    signal?.removeEventListener('abort', abandon);
    agent.client.close();
  }
}

/** `tunnel connect`: the agent starts (or reuses) the host's session; see withAgent for failures. */
export function connectSession(
  request: AgentRequest & { options: SerializedOptions; timeoutMs: number },
): Promise<{ value: ResponseBodies['connect']; hello: HelloInfo }> {
  return withAgent(request, (agent) =>
    agent.client.request('connect', { options: request.options }, { timeoutMs: request.timeoutMs }),
  );
}
