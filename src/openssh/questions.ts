// Who answers each askpass request of the master: the host-key prompt (HostKeyPolicy.prompt), the
// passphrase and secret callbacks of OpenSshOptions. A secret nobody answers ends the login at once:
// ssh would otherwise send the empty answer as a password (readpass.c returns "" when askpass fails),
// and failed attempts can lock an account. The deadline does not run while a person is asked.
import type { Log, PausableDeadline } from '../ssh/handshake.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import type { AskSecret } from '../ssh/types.js';
import type { AnswerRequest } from './askpass-relay.js';
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

async function answer(
  request: AskpassRequest,
  from: Answerers,
  onUnanswered: () => void,
  onAnswered: () => void,
): Promise<string | undefined> {
  switch (request.kind) {
    case 'yes-no': {
      if (!from.hostKeyPolicy.prompt) return undefined;
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
    case 'secret': {
      const text = await from.askSecret?.({ prompt: request.prompt, echo: false });
      if (text === undefined) onUnanswered();
      else onAnswered();
      return text;
    }
  }
}

/** The relay's answer function; `onUnanswered` stops the master (see the top of this file). */
export function answerQuestions(
  from: Answerers,
  deadline: PausableDeadline,
  state: QuestionState,
  onUnanswered: () => void,
): AnswerRequest {
  return (request) =>
    deadline.around(() =>
      answer(
        request,
        from,
        () => {
          state.unanswered = true;
          onUnanswered();
        },
        () => {
          state.answered = true;
        },
      ),
    );
}
