// How commands reach the agent: start it when the command needs it (connect always; status, disconnect
// and kubeconfig only when sessions are saved and the agent was not stopped on purpose).
import fs from 'node:fs';
import { type AgentConnection, ensureAgent } from '../agent/autostart.js';
import { hasSavedSessions } from '../agent/store.js';
import { agentStoppedMarker } from '../config/paths.js';
import type { StatusDocument } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';

/** The agent for a command that cannot work without one (connect): started or replaced as needed. */
export async function requireAgent(interaction?: Interaction): Promise<AgentConnection> {
  fs.rmSync(agentStoppedMarker(), { force: true });
  const connection = await ensureAgent({ interaction });
  if (!connection) throw new Error('the agent did not start');
  report(connection);
  return connection;
}

/**
 * The agent if one runs, or one started to bring back saved sessions (after a crash, kill -9 or a
 * reboot), unless `tunnel agent stop` stopped it on purpose; undefined when there is nothing to show.
 */
export async function existingAgent(): Promise<AgentConnection | undefined> {
  const start = hasSavedSessions() && !fs.existsSync(agentStoppedMarker());
  const connection = await ensureAgent({ start });
  if (connection) report(connection);
  return connection;
}

/** The agent if one runs right now; never starts or replaces one (a watch looking for it again). */
export async function runningAgent(): Promise<AgentConnection | undefined> {
  return await ensureAgent({ start: false, replace: false });
}

function report(connection: AgentConnection): void {
  // Starting the agent is routine (connect says where it runs); replacing one is worth a note.
  if (connection.replaced) {
    process.stderr.write(
      `note: replaced the running agent ${connection.replaced} with ${connection.hello.agentVersion}\n`,
    );
  }
}

/**
 * The running agent's status, for commands that only look (`agent status`, `kubeconfig`, `doctor`,
 * `connect --foreground`): never starts an agent, never replaces one of another version.
 * undefined when no agent runs.
 */
export async function peekStatus(): Promise<StatusDocument | undefined> {
  const agent = await ensureAgent({ start: false, replace: false });
  if (!agent) return undefined;
  try {
    return await agent.client.request('status', {});
  } finally {
    agent.client.close();
  }
}
