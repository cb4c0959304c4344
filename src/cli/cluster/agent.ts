// `tunnel cluster` and the background agent, the CLI's side of cluster/'s ClusterSessions: after a create,
// the host's session re-reads k3d now (or a new session starts, with the host's saved options); after a
// delete, the session drops the cluster's forwards. Also what to print about it. Reaches the agent only
// through control/ (agent-access).

import { ensureAgent } from '../../agent/autostart.js';
import { withAgent } from '../../agent/connect-session.js';
import type { ClusterSessions } from '../../cluster/types.js';
import type { SessionOptions } from '../../config/resolve.js';
import type { ControlClient } from '../../control/client.js';
import { serializeOptions } from '../../control/session-options.js';
import type { ClusterStatus, SessionStatus } from '../../control/status-document.js';
import { isTunnelError } from '../../errors.js';
import { pasteWord } from '../../shell-word.js';
import { existingAgent, requireAgent } from '../agent-access.js';
import { interruptSignal } from '../outcome.js';
import { safeText } from '../render.js';
import { forwardsTable } from '../render-forwards.js';
import { terminalInteraction } from '../terminal.js';

export interface ForwardOutcome {
  /** rediscovered: the running session re-read k3d; connected: a new session; waiting: not connected now. */
  how: 'rediscovered' | 'connected' | 'waiting';
  session: SessionStatus;
  cluster: ClusterStatus | undefined;
}

const CONNECT_TIMEOUT_MS = 120_000;
const REDISCOVER_TIMEOUT_MS = 90_000;

/** The agent as `tunnel cluster create|delete` need it for the host of `options`. */
export function clusterSessions(options: SessionOptions): ClusterSessions<ForwardOutcome> {
  return {
    forward: (cluster) => forwardNewCluster(options, cluster),
    rediscoverIntervalMs: async () => (await runningSession(options.alias))?.settings.rediscoverIntervalMs,
    refresh: () => refreshAfterDelete(options.alias),
  };
}

/**
 * Asks the agent to forward the new cluster `name` of `options.alias`. An agent started for this and
 * left with nothing to do (the connect failed, Ctrl-C) is stopped again (withAgent).
 */
async function forwardNewCluster(options: SessionOptions, name: string): Promise<ForwardOutcome> {
  const interrupt = interruptSignal();
  try {
    const { value } = await withAgent(
      {
        reach: () => requireAgent(terminalInteraction()),
        signal: interrupt.signal,
        interrupted: `forwarding ${name} interrupted (the cluster was created)`,
      },
      (agent) => rediscoverOrConnect(agent.client, options),
    );
    return { ...value, cluster: value.session.clusters.find((cluster) => cluster.name === name) };
  } finally {
    interrupt.dispose();
  }
}

async function rediscoverOrConnect(
  client: ControlClient,
  options: SessionOptions,
): Promise<Omit<ForwardOutcome, 'cluster'>> {
  const host = options.alias;
  try {
    const reply = await client.request('rediscover', { host }, { timeoutMs: REDISCOVER_TIMEOUT_MS });
    return { how: reply.refreshed ? 'rediscovered' : 'waiting', session: reply.status };
  } catch (error) {
    // No session for the host: start one, as `tunnel connect <host>` would with the saved options.
    if (!isTunnelError(error) || error.code !== 'STATE') throw error;
    const reply = await client.request(
      'connect',
      { options: serializeOptions(options) },
      { timeoutMs: CONNECT_TIMEOUT_MS },
    );
    return { how: 'connected', session: reply.status };
  }
}

/** After a delete: the host's session (if any) re-reads k3d now; undefined when there is no session. */
async function refreshAfterDelete(host: string): Promise<boolean | undefined> {
  const agent = await existingAgent();
  if (!agent) return undefined;
  try {
    const reply = await agent.client.request('rediscover', { host }, { timeoutMs: REDISCOVER_TIMEOUT_MS });
    return reply.refreshed;
  } catch (error) {
    if (isTunnelError(error) && error.code === 'STATE') return undefined;
    throw error;
  } finally {
    agent.client.close();
  }
}

/** The host's running session, if the agent runs and has one (never starts the agent). */
async function runningSession(host: string): Promise<SessionStatus | undefined> {
  const agent = await ensureAgent({ start: false, replace: false });
  if (!agent) return undefined;
  try {
    const { sessions } = await agent.client.request('status', {});
    return sessions.find((session) => session.host === host);
  } catch {
    return undefined;
  } finally {
    agent.client.close();
  }
}

/** What --connect did, for the terminal. */
export function renderForwardOutcome(outcome: ForwardOutcome, name: string): string {
  const host = safeText(outcome.session.host);
  const { cluster, session } = outcome;
  if (!cluster) return notForwarded(outcome, name);
  const how = outcome.how === 'connected' ? 'a new session for' : 'the session for';
  const lines = [
    `forwarding ${safeText(name)} through ${how} ${host}:`,
    ...forwardsTable([cluster], { color: false, now: new Date(), traffic: false, oneCluster: true }),
  ];
  if (cluster.context)
    lines.push(`try: kubectl --context ${pasteWord(cluster.context, '<context>')} get pods`);
  const others = session.clusters.filter((entry) => entry.name !== name).length;
  if (outcome.how === 'connected' && others > 0) {
    lines.push(
      `the session also forwards ${others} other cluster${others === 1 ? '' : 's'}: tunnel status ${host}`,
    );
  }
  if (session.kubeconfig.mode === 'none')
    lines.push('kubeconfig: not written (the session runs with --no-kubeconfig)');
  return lines.join('\n');
}

function notForwarded(outcome: ForwardOutcome, name: string): string {
  const { session } = outcome;
  const host = safeText(session.host);
  const selected = session.settings.clusters;
  if (selected.length > 0 && !selected.includes(name)) {
    const flags = [...selected, name].map((cluster) => `--cluster ${safeText(cluster)}`).join(' ');
    return (
      `note: the session for ${host} forwards only ${selected.map(safeText).join(', ')}; ` +
      `to add ${safeText(name)}: tunnel connect ${host} ${flags}`
    );
  }
  const skipped = session.skipped.find((entry) => entry.cluster === name);
  if (skipped)
    return `note: the session for ${host} did not forward ${safeText(name)}: ${safeText(skipped.reason)}`;
  if (outcome.how === 'waiting') {
    return `note: the session for ${host} is ${session.state}; it forwards ${safeText(name)} once it is connected (tunnel status ${host})`;
  }
  return `note: ${safeText(name)} is not forwarded yet; see: tunnel status ${host}`;
}
