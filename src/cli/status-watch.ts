// `tunnel status --watch`: follows the agent's `watch` stream and draws each update as it comes (no
// polling: the agent pushes a change when one happens). On a terminal the last document is also drawn
// again once a second from memory (no request), so countdowns ("next try in 3 s") and ages move while
// nothing changes; each frame overwrites the last in place (no clear, so no blank flash). When the agent
// goes, it says so and looks for it again with control/agent-retry.ts's backoff, never starting one:
// that is finding the agent, not asking for status. Effects are injected: tested without an agent.
import { AGENT_RETRY_FIRST_MS, nextAgentRetryMs } from '../control/agent-retry.js';
import { AgentUnavailableError, type ControlClient, OlderAgentError } from '../control/client.js';
import type { WatchRequestBody } from '../control/protocol.js';
import { noAgentDocument, type StatusDocument } from '../control/status-document.js';
import { describeError } from '../errors.js';
import { safeText } from './render.js';
import { renderStatusWatchFrame } from './render-status.js';

/**
 * Traffic-only changes are drawn at most this often (a state change is drawn at once): a person reads
 * a terminal once a second at best, and a full redraw costs more over tmux or ssh; scripts (--json, a
 * pipe) get them 4 times a second.
 */
const TERMINAL_INTERVAL_MS = 1000;
const SCRIPT_INTERVAL_MS = 250;
/** How often a terminal frame is drawn again from the last document, so its clocks move. */
export const REDRAW_MS = 1000;

export const GONE = 'the agent is gone; waiting for it to come back (tunnel connect <host> starts it)';
export const NOT_RUNNING =
  'the tunnel agent is not running; waiting for it (tunnel connect <host> starts it)';

export interface StatusWatchRequest {
  host: string | undefined;
  json: boolean;
  /** stdout is a terminal: each frame overwrites the last in place, and is redrawn every second. */
  tty: boolean;
  color: boolean;
  /** Ctrl-C: the watch ends and the loop returns. */
  signal: AbortSignal;
}

export interface StatusWatchEffects {
  /** The agent, or undefined when none answers; first: the command's first reach (may bring one back). */
  reach(first: boolean): Promise<{ client: Pick<ControlClient, 'watch' | 'close'> } | undefined>;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** Calls `callback` every `ms` until the returned stop is called (the terminal's redraw). */
  every(ms: number, callback: () => void): () => void;
  /** stdout (the documents) and stderr (what is going on, in --json mode). */
  out(text: string): void;
  err(text: string): void;
  now(): Date;
}

export async function watchStatus(request: StatusWatchRequest, effects: StatusWatchEffects): Promise<void> {
  let delay = AGENT_RETRY_FIRST_MS;
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
        delay = AGENT_RETRY_FIRST_MS;
        said = undefined;
        watched = true;
      }).catch((error: unknown) => {
        // Past the first watch, an agent that answers strangely (a session not back yet) is waited out;
        // one that cannot watch at all (an older agent) is not.
        if (!watched || error instanceof OlderAgentError) throw error;
        return `the agent answered: ${safeText(describeError(error))}; waiting`;
      });
      if (request.signal.aborted) return;
      why = outcome ?? GONE;
    }
    if (said !== why) say(why, request, effects);
    said = why;
    await effects.sleep(delay, request.signal);
    delay = nextAgentRetryMs(delay);
  }
}

/** One watch on one agent connection, until it ends; closes the connection. */
async function follow(
  client: Pick<ControlClient, 'watch' | 'close'>,
  request: StatusWatchRequest,
  effects: StatusWatchEffects,
  onUpdate: () => void,
): Promise<string | undefined> {
  const live = request.tty && !request.json;
  const body: WatchRequestBody = { minIntervalMs: live ? TERMINAL_INTERVAL_MS : SCRIPT_INTERVAL_MS };
  if (request.host !== undefined) body.host = request.host;
  let last: StatusDocument | undefined;
  const watch = client.watch(body, (update) => {
    onUpdate();
    last = update.document;
    draw(update.document, request, effects);
  });
  const stopRedraw = live ? effects.every(REDRAW_MS, () => last && draw(last, request, effects)) : undefined;
  const cancel = () => watch.cancel();
  request.signal.addEventListener('abort', cancel, { once: true });
  try {
    await watch.ended;
    return undefined;
  } catch (error) {
    if (error instanceof AgentUnavailableError) return undefined;
    throw error;
  } finally {
    stopRedraw?.();
    request.signal.removeEventListener('abort', cancel);
    client.close();
  }
}

function draw(document: StatusDocument, request: StatusWatchRequest, effects: StatusWatchEffects): void {
  if (request.json) {
    effects.out(`${JSON.stringify(document)}\n`);
    return;
  }
  const frame = renderStatusWatchFrame(document, { color: request.color, now: effects.now() });
  // A pipe gets one frame after another.
  effects.out(request.tty ? inPlace(frame) : `${frame}\n`);
}

/**
 * A frame over the last one: home, each line then erase-to-end-of-line, then erase below. Clearing
 * the screen first (\x1b[2J) would show a blank frame between the two, a flicker on many terminals.
 */
export function inPlace(frame: string): string {
  return `\x1b[H${frame
    .split('\n')
    .map((line) => `${line}\x1b[K`)
    .join('\n')}\n\x1b[J`;
}

/** The agent is not there: scripts get the no-agent document, people the sentence (under the last frame). */
function say(text: string, request: StatusWatchRequest, effects: StatusWatchEffects): void {
  if (request.json) {
    effects.out(`${JSON.stringify(noAgentDocument())}\n`);
    effects.err(`${text}\n`);
  } else effects.out(`\n${text}\n`);
}
