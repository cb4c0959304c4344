// The one watch on the agent that every open tab shares: connecting → up (updates flow) → gone (the
// watch ended, or no agent runs) → up again when an agent answers. While gone it looks for the agent
// with control/agent-retry.ts's backoff (as `status --watch` does): that is finding a process, not
// polling status, and the page keeps the last document it had (marked stale) meanwhile.
import { AGENT_RETRY_FIRST_MS, nextAgentRetryMs } from '../control/agent-retry.js';
import type { StatusDocument } from '../control/status-document.js';
import { describeError, isTunnelError } from '../errors.js';
import type { AgentEvent, AgentLink, AgentWatch, StatusEvent } from './types.js';

/**
 * Time, injectable (unit tests drive the backoff with a fake one). The house Clock of
 * supervisor/ports.ts minus monotonicNow (nothing here measures an interval): restated because ui/ may
 * not import supervisor/ (docs/architecture.md's layers); any Clock, systemClock too, passes as one.
 */
export interface UiClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemUiClock: UiClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface AgentFeedOptions {
  link: AgentLink;
  clock: UiClock;
  /** Called on every change of the agent's state and on every status update. */
  onAgent(event: AgentEvent): void;
  onStatus(event: StatusEvent): void;
}

export class AgentFeed {
  private agentEvent: AgentEvent;
  private statusEvent: StatusEvent | undefined;
  private watch: AgentWatch | undefined;
  private reached: { pid: number; version: string } | undefined;
  /** The current watch has sent an update (the agent answers a watch with one at once). */
  private answered = false;
  private timer: unknown;
  private retryMs = AGENT_RETRY_FIRST_MS;
  private stopped = false;

  constructor(private readonly options: AgentFeedOptions) {
    this.agentEvent = { state: 'connecting', since: this.since() };
  }

  get agent(): AgentEvent {
    return this.agentEvent;
  }

  /** The latest document, for a tab that connects now; undefined before the first one. */
  get status(): StatusEvent | undefined {
    return this.statusEvent;
  }

  start(): void {
    void this.reach();
  }

  stop(): void {
    this.stopped = true;
    this.options.clock.clearTimeout(this.timer);
    this.watch?.cancel();
    this.watch = undefined;
  }

  private async reach(): Promise<void> {
    if (this.stopped) return;
    let reached: Awaited<ReturnType<AgentLink['watch']>>;
    this.answered = false;
    try {
      reached = await this.options.link.watch((event) => this.update(event));
    } catch (error) {
      this.gone(describeError(error), hintOf(error));
      return;
    }
    if (this.stopped) {
      reached?.watch.cancel();
      return;
    }
    if (!reached) {
      this.gone('no tunnel agent is running', undefined);
      return;
    }
    this.watch = reached.watch;
    this.reached = { pid: reached.pid, version: reached.version };
    this.markUp(); // The first update may have come before the link's answer did.
    reached.watch.ended.then(
      () => this.ended(reached.watch, 'the agent ended the watch (it is stopping)', undefined),
      (error: unknown) => this.ended(reached.watch, describeError(error), hintOf(error)),
    );
  }

  private update(event: StatusEvent): void {
    if (this.stopped) return;
    // Up once the agent has answered the watch (it sends the first document at once): an agent that
    // accepts the connection but refuses the watch (an older one) stays gone instead of flapping.
    this.answered = true;
    this.markUp();
    this.statusEvent = event;
    this.options.onStatus(event);
  }

  private markUp(): void {
    if (this.agentEvent.state === 'up' || !this.reached || !this.answered) return;
    this.retryMs = AGENT_RETRY_FIRST_MS;
    this.setAgent({ state: 'up', since: this.since(), ...this.reached });
  }

  private ended(watch: AgentWatch, message: string, hint: string | undefined): void {
    if (watch !== this.watch || this.stopped) return;
    this.watch = undefined;
    this.reached = undefined;
    this.gone(message, hint);
  }

  private gone(message: string, hint: string | undefined): void {
    if (this.stopped) return;
    this.setAgent({ state: 'gone', since: this.since(), message, hint: hint ?? goneHint(this.statusEvent) });
    const delay = this.retryMs;
    this.retryMs = nextAgentRetryMs(this.retryMs);
    this.timer = this.options.clock.setTimeout(() => void this.reach(), delay);
  }

  private setAgent(event: AgentEvent): void {
    // Retrying while gone repeats the same facts: the page hears of a change only.
    const same =
      this.agentEvent.state === 'gone' &&
      event.state === 'gone' &&
      this.agentEvent.message === event.message &&
      this.agentEvent.hint === event.hint;
    if (same) return;
    this.agentEvent = event;
    this.options.onAgent(event);
  }

  private since(): string {
    return new Date(this.options.clock.now()).toISOString();
  }
}

/** An error's own hint, except the generic "no agent" one: goneHint names a host the page showed. */
function hintOf(error: unknown): string | undefined {
  return isTunnelError(error) && error.code !== 'AGENT' ? error.hint : undefined;
}

/** What to run: start the agent again with a host the page was showing, or ask why it stopped. */
export function goneHint(last: StatusEvent | undefined): string {
  const host = firstHost(last?.document);
  return `run \`tunnel connect ${host ?? '<host>'}\` to start it again, or \`tunnel agent status\` to see why it stopped`;
}

function firstHost(document: StatusDocument | undefined): string | undefined {
  const host = document?.sessions[0]?.host;
  // The alias came from the agent: only a plain ssh alias goes into a command line for the user.
  return host !== undefined && /^[A-Za-z0-9._@:-]{1,100}$/.test(host) ? host : undefined;
}
