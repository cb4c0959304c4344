// The agent's `ask` questions answered at this terminal: who answers each kind, and the server's prompt
// text made safe again here, whatever agent relayed it.
import { MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS, questionText } from '../redact.js';
import type { AskFrame } from './protocol.js';

/** A login question as the CLI receives it (ssh/types.ts LoginQuestion has this shape). */
export interface AskedQuestion {
  prompt: string;
  echo: boolean;
  instructions?: string;
}

/** Who answers the agent's questions at this end (a session's Interaction fits this shape). */
export interface AskHandlers {
  confirm?: (question: string) => Promise<boolean>;
  askPassphrase?: (file: string) => Promise<string | undefined>;
  askSecret?: (question: AskedQuestion) => Promise<string | undefined>;
}

/** The answer to one question; undefined when nobody here can answer it. */
export function answerAsk(frame: AskFrame, interaction: AskHandlers): Promise<string | boolean | undefined> {
  const none = Promise.resolve(undefined);
  if (frame.kind === 'confirm') return interaction.confirm?.(frame.text) ?? none;
  if (frame.kind === 'passphrase') return interaction.askPassphrase?.(frame.text) ?? none;
  const question: AskedQuestion = {
    prompt: questionText(frame.text, MAX_PROMPT_CHARS),
    echo: frame.kind === 'text',
  };
  if (frame.instructions) question.instructions = questionText(frame.instructions, MAX_INSTRUCTIONS_CHARS);
  return interaction.askSecret?.(question) ?? none;
}
