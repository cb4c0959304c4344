// A command that started the agent for its own request (`tunnel connect`) and then failed, or was
// interrupted, takes that agent down again: a failed first connect must not leave a background process
// behind. Only that agent (same pid), and only while it is idle, which the agent itself decides
// (shutdown {ifIdle}): sessions it restored from disk, or another connect under way, keep it running.

import type { ControlClient } from '../control/client.js';
import { type AgentConnection, ensureAgent, stopIdleAgent } from './autostart.js';

export interface ReleaseOptions {
  /** How long the agent may take to drop the session whose connect was abandoned (Ctrl-C). */
  settleMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The running agent, never starting one (default: ensureAgent without start or replace). */
  reach?: () => Promise<Pick<AgentConnection, 'client' | 'hello'> | undefined>;
  /** Stops the agent if it is idle; false when it refused (default: stopIdleAgent). */
  stopIfIdle?: (client: ControlClient, pid: number) => Promise<boolean>;
}

const POLL_MS = 100;

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stops the agent `connection` started when it is idle now; true when it did. Never throws. */
export async function releaseStartedAgent(
  connection: Pick<AgentConnection, 'started' | 'hello'>,
  options: ReleaseOptions = {},
): Promise<boolean> {
  if (!connection.started) return false;
  const reach = options.reach ?? (() => ensureAgent({ start: false, replace: false }));
  let agent: Pick<AgentConnection, 'client' | 'hello'> | undefined;
  try {
    const stopIfIdle = options.stopIfIdle ?? stopIdleAgent;
    for (let waited = 0; ; waited += POLL_MS) {
      // A fresh connection each try: the request's may be closed (Ctrl-C) or stuck (a timeout), and a
      // refusal closes the one it came on. The session of an abandoned connect takes a moment to go.
      agent?.client.close();
      agent = await reach();
      if (!agent || agent.hello.pid !== connection.hello.pid) return false;
      if (await stopIfIdle(agent.client, agent.hello.pid)) return true;
      if (waited >= (options.settleMs ?? 3000)) return false;
      await (options.sleep ?? wait)(POLL_MS);
    }
  } catch {
    // The failure being reported matters more; a leftover idle agent is what we had before.
    return false;
  } finally {
    agent?.client.close();
  }
}
