// Who answers each askpass request of the master: the host-key prompt (HostKeyPolicy.prompt), the
// passphrase and secret callbacks of OpenSshOptions. A secret nobody answers (or whose asking failed)
// ends the login at once, and its helper gets no reply until the ssh that asked is dead: ssh would
// otherwise send the empty answer as a password (readpass.c returns "" when askpass fails), and failed
// attempts can lock an account. The deadline does not run while a person is asked.
import type { Log, PausableDeadline } from '../ssh/handshake.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import type { AskSecret } from '../ssh/types.js';
import type { AnswerRequest, Reply } from './askpass-relay.js';
import type { AskpassRequest } from './prompts.js';

export interface Answerers {
  hostKeyPolicy: HostKeyPolicy;
  askPassphrase?: (file: string) => Promise<string | undefined>;
  askSecret?: AskSecret;
  log?: Log;
  alias: string;
}

export interface QuestionState {
  /** A password, code or PIN was asked and got no answer. */
  unanswered: boolean;
  /** A password, code or PIN was answered (so ssh sent it): a denial then was that answer's refusal. */
  answered?: boolean;
}

/** Stops the login (`failure`: why asking failed, if it did); settles once no ssh of it is left. */
export type OnUnanswered = (failure?: unknown) => Promise<void>;

interface Outcomes {
  onUnanswered: OnUnanswered;
  onAnswered: () => void;
}

async function askSecret(prompt: string, from: Answerers, outcomes: Outcomes): Promise<Reply> {
  let failure: unknown;
  try {
    const text = await from.askSecret?.({ prompt, echo: false });
    if (text !== undefined) {
      outcomes.onAnswered();
      return text;
    }
  } catch (error) {
    failure = error;
  }
  return { hold: outcomes.onUnanswered(failure) };
}

async function answer(request: AskpassRequest, from: Answerers, outcomes: Outcomes): Promise<Reply> {
  switch (request.kind) {
    case 'yes-no': {
      // "no" said, not left unsaid: should a server's text ever pass for this question, it gets no "".
      if (!from.hostKeyPolicy.prompt) return 'no';
      return (await from.hostKeyPolicy.prompt(request.question)) ? 'yes' : 'no';
    }
    case 'confirm':
      if (!from.hostKeyPolicy.prompt) return undefined;
      return (await from.hostKeyPolicy.prompt(request.question)) ? 'yes' : undefined;
    case 'notice':
      from.log?.('info', request.text, { host: from.alias });
      return undefined;
    case 'passphrase':
      // No answer: ssh skips this key and goes on, as it does when you press Enter.
      return await from.askPassphrase?.(request.file);
    case 'secret':
      return await askSecret(request.prompt, from, outcomes);
  }
}

/** The relay's answer function; `onUnanswered` stops the master (see the top of this file). */
export function answerQuestions(
  from: Answerers,
  deadline: PausableDeadline,
  state: QuestionState,
  onUnanswered: OnUnanswered,
): AnswerRequest {
  return (request) =>
    deadline.around(() =>
      answer(request, from, {
        onUnanswered: (failure) => {
          state.unanswered = true;
          return onUnanswered(failure);
        },
        onAnswered: () => {
          state.answered = true;
        },
      }),
    );
}
