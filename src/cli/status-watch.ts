// `tunnel status --watch`: follows the agent's `watch` stream and draws each update as it comes (no
// polling: the agent pushes a change when one happens). When the agent goes, it says so and looks for
// it again with a capped backoff (0.25 s doubling to 2 s), never starting one: that is finding the
// agent, not asking for status. Effects are injected so the loop is tested without an agent.
import { AgentUnavailableError, type ControlClient } from '../control/client.js';
import type { WatchRequestBody } from '../control/protocol.js';
import { noAgentDocument, type StatusDocument } from '../control/status-document.js';
import { describeError, isTunnelError, TunnelError } from '../errors.js';
import { safeText } from './render.js';
import { renderStatusWatchFrame } from './render-status.js';

export const FIRST_RETRY_MS = 250;
export const MAX_RETRY_MS = 2_000;
/** Traffic-only changes are drawn at most this often; a state change is drawn at once. */
const WATCH_INTERVAL_MS = 250;

export const GONE = 'the agent is gone; waiting for it to come back (tunnel connect <host> starts it)';
export const NOT_RUNNING =
  'the tunnel agent is not running; waiting for it (tunnel connect <host> starts it)';

const OLDER_AGENT = 'the agent is older than this CLI: it cannot stream status';

export interface StatusWatchRequest {
  host: string | undefined;
  json: boolean;
  /** stdout is a terminal: each update clears the screen first. */
  tty: boolean;
  color: boolean;
  /** Ctrl-C: the watch ends and the loop returns. */
  signal: AbortSignal;
}

export interface StatusWatchEffects {
  /** The agent, or undefined when none answers; first: the command's first reach (may bring one back). */
  reach(first: boolean): Promise<{ client: Pick<ControlClient, 'watch' | 'close'> } | undefined>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** stdout (the documents) and stderr (what is going on, in --json mode). */
  out(text: string): void;
  err(text: string): void;
  now(): Date;
}

export async function watchStatus(request: StatusWatchRequest, effects: StatusWatchEffects): Promise<void> {
  let delay = FIRST_RETRY_MS;
  let first = true;
  let watched = false;
  let said: string | undefined;
  while (!request.signal.aborted) {
    const agent = await effects.reach(first).catch((error: unknown) => {
      if (first) throw error;
      return undefined;
    });
    first = false;
    if (request.signal.aborted) {
      agent?.client.close();
      return;
    }
    let why = watched ? GONE : NOT_RUNNING;
    if (agent) {
      const outcome = await follow(agent.client, request, effects, () => {
        delay = FIRST_RETRY_MS;
        said = undefined;
        watched = true;
      }).catch((error: unknown) => {
        // Past the first watch, an agent that answers strangely (a session not back yet) is waited out.
        if (!watched || isOlderAgent(error)) throw error;
        return `the agent answered: ${safeText(describeError(error))}; waiting`;
      });
      if (request.signal.aborted) return;
      why = outcome ?? GONE;
    }
    if (said !== why) say(why, request, effects);
    said = why;
    await effects.sleep(delay, request.signal);
    delay = Math.min(delay * 2, MAX_RETRY_MS);
  }
}

/** One watch on one agent connection, until it ends; closes the connection. */
async function follow(
  client: Pick<ControlClient, 'watch' | 'close'>,
  request: StatusWatchRequest,
  effects: StatusWatchEffects,
  onUpdate: () => void,
): Promise<string | undefined> {
  const body: WatchRequestBody = { minIntervalMs: WATCH_INTERVAL_MS };
  if (request.host !== undefined) body.host = request.host;
  const watch = client.watch(body, (update) => {
    onUpdate();
    draw(update.document, request, effects);
  });
  const cancel = () => watch.cancel();
  request.signal.addEventListener('abort', cancel, { once: true });
  try {
    await watch.ended;
    return undefined;
  } catch (error) {
    if (error instanceof AgentUnavailableError) return undefined;
    if (isTunnelError(error) && error.message.includes('unknown request type "watch"')) {
      throw new TunnelError('AGENT', OLDER_AGENT, {
        hint: 'Run `tunnel agent stop` and retry (the next command starts this version).',
        cause: error,
      });
    }
    throw error;
  } finally {
    request.signal.removeEventListener('abort', cancel);
    client.close();
  }
}

function isOlderAgent(error: unknown): boolean {
  return isTunnelError(error) && error.message === OLDER_AGENT;
}

function draw(document: StatusDocument, request: StatusWatchRequest, effects: StatusWatchEffects): void {
  if (request.json) {
    effects.out(`${JSON.stringify(document)}\n`);
    return;
  }
  const frame = renderStatusWatchFrame(document, { color: request.color, now: effects.now() });
  // Clear and home on a terminal; a pipe gets one frame after another.
  effects.out(request.tty ? `\x1b[H\x1b[2J${frame}\n` : `${frame}\n`);
}

/** The agent is not there: scripts get the no-agent document, people the sentence (under the last frame). */
function say(text: string, request: StatusWatchRequest, effects: StatusWatchEffects): void {
  if (request.json) {
    effects.out(`${JSON.stringify(noAgentDocument())}\n`);
    effects.err(`${text}\n`);
  } else effects.out(`\n${text}\n`);
}
