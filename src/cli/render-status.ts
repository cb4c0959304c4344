// `tunnel status` as text: the agent's StatusDocument in, the lines a person reads out. Pure: the clock
// comes in as `now`, colour only when the caller says stdout is a terminal. Every string that came from
// the dev server or the user goes through safeText, so a hostile cluster name cannot move the cursor.
import type { AgentStatus, SessionStatus, StatusDocument } from '../control/status-document.js';
import { formatAge, formatClock } from './format.js';
import { paint, safeText } from './render.js';
import { transportLine } from './render-connect.js';
import { ageOf, forwardsTable, parseTime } from './render-forwards.js';

export interface StatusRenderOptions {
  color: boolean;
  now: Date;
}

const [BOLD, DIM, RED, GREEN, YELLOW] = ['1', '2', '31', '32', '33'];

/**
 * A forwarding session keeps showing its last error this long after recovering: long enough to explain
 * the hiccup someone just noticed, short enough that an old blip does not read as a current problem.
 */
const RECENT_ERROR_MS = 10 * 60_000;

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function renderStatus(doc: StatusDocument, options: StatusRenderOptions): string {
  const sessions =
    doc.sessions.length === 0
      ? 'No sessions. Start one with: tunnel connect <host>'
      : doc.sessions.map((session) => renderSession(session, options)).join('\n\n');
  return [renderAgent(doc.agent, options), '', sessions].join('\n');
}

/** What `--watch` draws after clearing the screen: a title with the time of this update, then status. */
export function renderStatusWatchFrame(doc: StatusDocument, options: StatusRenderOptions): string {
  const title = `tunnel status — live, updated ${formatClock(options.now)}  (Ctrl-C to stop)`;
  return [paint(options.color, BOLD, title), '', renderStatus(doc, options)].join('\n');
}

function renderAgent(agent: AgentStatus, options: StatusRenderOptions): string {
  const line = `agent ${safeText(agent.version)}, pid ${agent.pid}, up ${ageOf(agent.startedAt, options.now)}`;
  return paint(options.color, DIM, line);
}

function renderSession(session: SessionStatus, options: StatusRenderOptions): string {
  const via = transportLine(session.transport);
  const body = [
    ...(via ? [via] : []),
    ...errorLines(session, options),
    ...forwardTable(session, options),
    ...session.skipped.map(({ cluster, reason }) => `skipped ${safeText(cluster)}: ${safeText(reason)}`),
    kubeconfigLine(session),
  ];
  return [headerLine(session, options), ...body.map((line) => `  ${line}`)].join('\n');
}

function headerLine(session: SessionStatus, options: StatusRenderOptions): string {
  const { host, hostName } = session;
  const name = hostName && hostName !== host ? `${safeText(host)} (${safeText(hostName)})` : safeText(host);
  const parts = [...statePhrases(session, options)];
  if (session.reconnectCount > 0) parts.push(plural(session.reconnectCount, 'reconnect'));
  if (session.k3dVersion) parts.push(`k3d ${safeText(session.k3dVersion)}`);
  if (session.dockerHost) parts.push(`docker on ${safeText(session.dockerHost)}`);
  return `${paint(options.color, BOLD, name)}  ${parts.join(' · ')}`;
}

function statePhrases(session: SessionStatus, { color, now }: StatusRenderOptions): string[] {
  const attempt = session.attempt === null ? '' : `attempt ${session.attempt}`;
  switch (session.state) {
    case 'forwarding':
      return [`${paint(color, GREEN, 'forwarding')} for ${ageOf(session.connectedAt ?? session.since, now)}`];
    case 'connecting': {
      const phrase = `${paint(color, YELLOW, 'connecting')}${attempt && ` (${attempt})`} for ${ageOf(session.since, now)}`;
      // After a loss (or failed attempts) the attempt's own age hides how long forwards have been down.
      const down = session.downSince && session.downSince !== session.since;
      return down ? [phrase, `down for ${ageOf(session.downSince ?? session.since, now)}`] : [phrase];
    }
    case 'reconnecting': {
      const next = parseTime(session.nextAttemptAt);
      const wait = next === null ? 0 : next - now.getTime();
      // Round the countdown up: "next try in 0s" while a wait is still running would read as a hang.
      const nextTry = wait > 0 ? `next try in ${formatAge(Math.ceil(wait / 1000) * 1000)}` : 'trying now';
      const phrase = [attempt, nextTry].filter(Boolean).join(', ');
      // From the loss, not from this wait: each attempt re-enters this state.
      const down = ageOf(session.downSince ?? session.since, now);
      return [`${paint(color, YELLOW, 'reconnecting')}: ${phrase}`, `down for ${down}`];
    }
    case 'needs-answer': {
      // No countdown: nothing happens until the person answers (a retry loop could lock the account).
      const what = `${paint(color, YELLOW, 'waiting for you')}: the login needs an answer`;
      const down = ageOf(session.downSince ?? session.since, now);
      return [`${what} — run: tunnel connect ${safeText(session.host)}`, `down for ${down}`];
    }
    case 'stopped':
      return [`${paint(color, DIM, 'stopped')} ${ageOf(session.since, now)} ago`];
  }
}

function errorLines(session: SessionStatus, { color, now }: StatusRenderOptions): string[] {
  const error = session.lastError;
  if (!error) return [];
  const at = parseTime(error.at);
  const clock = at === null ? '?' : formatClock(new Date(at));
  if (session.state === 'forwarding') {
    // Recovered: only worth a (dim) line while it still explains something the user may have just seen.
    if (at === null || now.getTime() - at > RECENT_ERROR_MS) return [];
    return [paint(color, DIM, `recovered from: ${safeText(error.message)} (at ${clock})`)];
  }
  const lines = [`${paint(color, RED, 'last error')} ${clock}: ${safeText(error.message)}`];
  if (error.hint) lines.push(`hint: ${safeText(error.hint)}`);
  return lines;
}

function forwardTable(session: SessionStatus, options: StatusRenderOptions): string[] {
  const lines = forwardsTable(session.clusters, { ...options, traffic: true });
  if (lines.length === 0) return session.state === 'forwarding' ? ['no forwards'] : [];
  return lines;
}

function kubeconfigLine(session: SessionStatus): string {
  const { mode, file } = session.kubeconfig;
  if (mode === 'none') return 'kubeconfig: not written (--no-kubeconfig)';
  if (file === null) return 'kubeconfig: not written yet';
  return `kubeconfig: ${mode === 'merge' ? 'merged into' : 'written to'} ${safeText(file)}`;
}
