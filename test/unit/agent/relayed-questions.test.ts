// The agent relays a login question to the CLI that asked for the connect: hidden → `secret`, echoed →
// `text`, the server's words made safe and bounded before they leave (the CLI refuses longer ones).
import { describe, expect, it, vi } from 'vitest';
import type { Agent } from '../../../src/agent/agent.js';
import { agentHandlers } from '../../../src/agent/handlers.js';
import type { RequestContext } from '../../../src/control/server.js';
import { serializeOptions } from '../../../src/control/session-options.js';
import type { Interaction } from '../../../src/devserver/connect.js';
import { MAX_PROMPT_CHARS } from '../../../src/redact.js';
import { sessionOptions } from '../../builders.js';

async function relay(question: Parameters<NonNullable<Interaction['askSecret']>>[0], reply: unknown) {
  let answer: string | undefined;
  const agent = {
    connect: async (_options: unknown, interaction: Interaction) => {
      answer = await interaction.askSecret?.(question);
      return { status: {}, reused: false, replaced: false };
    },
  } as unknown as Agent;
  const ask = vi.fn(async () => reply as string | boolean | undefined);
  const context = { ask, signal: new AbortController().signal } as unknown as RequestContext;
  const handlers = agentHandlers({ agent, socketPath: '/x', startedAt: '', requestShutdown: () => {} });
  await handlers.connect({ options: serializeOptions(sessionOptions()) } as never, context);
  return { answer, ask };
}

describe('relayed login questions', () => {
  it('a hidden question goes as secret, with its instructions; the answer comes back', async () => {
    const { answer, ask } = await relay(
      { prompt: '\u001b[1mPassword:\u001b[0m ', echo: false, instructions: 'Welcome\u0007' },
      'hunter2',
    );
    expect(ask).toHaveBeenCalledWith('secret', 'Password: ', 'Welcome\\x07');
    expect(answer).toBe('hunter2');
  });

  it('an echoed one goes as text; a huge prompt is cut; a non-string reply is no answer', async () => {
    const { answer, ask } = await relay({ prompt: 'u'.repeat(100_000), echo: true }, true);
    expect(ask).toHaveBeenCalledWith('text', `${'u'.repeat(MAX_PROMPT_CHARS)}…`, undefined);
    expect(answer).toBeUndefined();
  });
});
