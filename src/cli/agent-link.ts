// The AgentLink `tunnel ui` hands the page server (ui/types.ts), on control/client. The first reach may
// start the agent to bring back saved sessions (as `tunnel status` does); later reaches, after the agent
// went away, never start one: a page left open must not resurrect an agent the user stopped.
import type { AgentConnection } from '../agent/autostart.js';
import { TunnelError } from '../errors.js';
import type { AgentLink, AgentWatch } from '../ui/types.js';
import { existingAgent, runningAgent } from './agent-access.js';

const WATCH_MIN_INTERVAL_MS = 250;
const ACTION_TIMEOUT_MS = 30_000;
// As `tunnel disconnect`: stopping a session waits for its listeners and the kubeconfig write.
const DISCONNECT_TIMEOUT_MS = 60_000;

async function withAgent<T>(work: (agent: AgentConnection) => Promise<T>): Promise<T> {
  const agent = await runningAgent();
  if (!agent) {
    throw new TunnelError('AGENT', 'no tunnel agent is running', { hint: 'run `tunnel connect <host>`' });
  }
  try {
    return await work(agent);
  } finally {
    agent.client.close();
  }
}

export function agentLink(): AgentLink {
  let first = true;
  return {
    async watch(onUpdate) {
      // An agent that does not know `watch` (an older release) rejects `ended` with ControlClient's
      // PROTOCOL error, which the page shows as it is.
      const agent = first ? await existingAgent() : await runningAgent();
      first = false;
      if (!agent) return undefined;
      try {
        const started = agent.client.watch({ minIntervalMs: WATCH_MIN_INTERVAL_MS }, (update) =>
          onUpdate({ seq: update.seq, document: update.document }),
        );
        const watch: AgentWatch = {
          ended: started.ended.finally(() => agent.client.close()),
          cancel: () => {
            started.cancel();
            agent.client.close();
          },
        };
        return { watch, pid: agent.hello.pid, version: agent.hello.agentVersion };
      } catch (error) {
        agent.client.close();
        throw error;
      }
    },
    reconnect: (host) =>
      withAgent(async (agent) => {
        const reply = await agent.client.request('rediscover', { host }, { timeoutMs: ACTION_TIMEOUT_MS });
        return { refreshed: reply.refreshed };
      }),
    disconnect: (host) =>
      withAgent(async (agent) => {
        const reply = await agent.client.request(
          'disconnect',
          { target: { host }, keepKubeconfig: false },
          { timeoutMs: DISCONNECT_TIMEOUT_MS },
        );
        if (reply.disconnected.length === 0) {
          throw new TunnelError('STATE', `${host} is not connected`, { hint: 'see `tunnel status`' });
        }
      }),
  };
}
