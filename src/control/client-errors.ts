// The errors ControlClient gives its callers that they test by kind: no agent there (start one), and an
// agent too old to `watch` (replace it). Apart from client.ts so that file stays the wire's logic.
import { TunnelError } from '../errors.js';

/** No agent answers on the socket: the caller may start one. */
export class AgentUnavailableError extends TunnelError {
  constructor(message: string, cause?: unknown) {
    super('AGENT', message, { hint: 'Run `tunnel connect <host>` to start the agent.', cause });
    this.name = 'AgentUnavailableError';
  }
}

export const stuckHint = 'The agent may be stuck: see `tunnel logs`, then `tunnel agent stop` and retry.';

export const OLDER_AGENT = 'the agent is older than this CLI: it cannot stream status';

/**
 * An agent of a release before `watch` answers it with `unknown request type "watch"`: decided here,
 * once, so every caller tests the code (PROTOCOL) and says the same thing with the same next step.
 */
export function olderAgentError(error: Error): OlderAgentError | undefined {
  if (!error.message.includes('unknown request type "watch"')) return undefined;
  return new OlderAgentError(error);
}

/** The agent cannot `watch` (a release before it): a class of its own, so no other PROTOCOL error reads as this. */
export class OlderAgentError extends TunnelError {
  constructor(cause: Error) {
    super('PROTOCOL', OLDER_AGENT, {
      hint: 'Run `tunnel agent stop` and retry (the next command starts this version).',
      cause,
    });
    this.name = 'OlderAgentError';
  }
}
