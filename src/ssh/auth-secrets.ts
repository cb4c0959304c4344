// Password and keyboard-interactive attempts for auth.ts, as sshconnect2.c makes them: the password
// question worded `user@host's password: ` (userauth_passwd), keyboard-interactive prompts as the
// server sends them prefixed `(user@host) ` (input_userauth_info_req), each method at most
// NumberOfPasswordPrompts times. The server's prompt text is untrusted: control characters are
// escaped and its length bounded before anyone sees it. Answers go to ssh2 and nowhere else.
import type { KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { TunnelError } from '../errors.js';
import { serverText } from '../redact.js';
import type { AskSecret, LoginQuestion, SshTarget } from './types.js';

/** How much of a server's prompt, and of its name/instruction lines, reaches the person. */
export const MAX_KBD_PROMPT_CHARS = 256;
export const MAX_KBD_INSTRUCTION_CHARS = 1024;
/** More prompts than this in one request, or more requests than this in one attempt, are not asked. */
const MAX_PROMPTS = 16;
const MAX_INFO_REQUESTS = 10;

export interface SecretState {
  readonly target: SshTarget;
  /** undefined: nobody may be asked (BatchMode, or no terminal/askpass); `noAskReason` says which. */
  askSecret: AskSecret | undefined;
  readonly noAskReason: string;
  /** Whether an asker was given at all (else nobody could be asked, for `noAskReason`). */
  readonly askerGiven: boolean;
  passwordAttempts: number;
  keyboardAttempts: number;
  infoRequestSeen: boolean;
  /** The asker failed with this (the person pressed Ctrl-C): the login ends with it, not as an auth failure. */
  cancelled?: TunnelError;
  /** The questions that needed an answer nobody gave: a prompt in quotes, or what kind they were. */
  readonly unanswered: string[];
  /** Passwords and keyboard-interactive responses sent to the server (a refusal then is SSH_AUTH's kind). */
  answersSent: number;
  /** Ends the login now, sending nothing more (set by auth.ts; the handshake closes the client). */
  abandon: () => void;
}

export type SecretMethod =
  | { type: 'password'; username: string; password: string }
  | { type: 'keyboard-interactive'; username: string; prompt: KeyboardPrompt };

type KeyboardPrompt = (
  name: string,
  instructions: string,
  lang: string,
  prompts: Prompt[],
  finish: KeyboardInteractiveCallback,
) => void;

export function secretState(target: SshTarget, askSecret: AskSecret | undefined): SecretState {
  const noAskReason = target.batchMode ? 'BatchMode is set' : 'there is no terminal or SSH_ASKPASS to ask';
  return {
    target,
    askSecret: target.batchMode ? undefined : askSecret,
    noAskReason,
    askerGiven: !target.batchMode && askSecret !== undefined,
    passwordAttempts: 0,
    keyboardAttempts: 0,
    infoRequestSeen: false,
    unanswered: [],
    answersSent: 0,
    abandon: () => {},
  };
}

/** The host as OpenSSH names it in a prompt: HostKeyAlias, else the HostName it connected to. */
function promptHost(target: SshTarget): string {
  return target.hostKeyAlias ?? target.hostName;
}

/** Asks once; undefined (and noted) when nobody answered. A failing asker is no answer either. */
async function ask(state: SecretState, question: LoginQuestion): Promise<string | undefined> {
  const answer = state.askSecret
    ? await state.askSecret(question).catch((error: unknown) => {
        if (error instanceof TunnelError) state.cancelled ??= error;
        return undefined;
      })
    : undefined;
  if (answer === undefined) {
    state.unanswered.push(`"${question.prompt.trim()}"`);
    // One question nobody answers means nobody will answer the next: no more attempts that need one.
    state.askSecret = undefined;
  }
  return answer;
}

/** userauth_passwd: undefined = nothing sent (no more attempts, or no answer), the method is done. */
export async function passwordAttempt(state: SecretState): Promise<SecretMethod | undefined> {
  const { target } = state;
  const prompt = `${target.user}@${promptHost(target)}'s password: `;
  if (!state.askSecret) {
    // Named only when no other question went unanswered first (then this one was never reached).
    if (state.passwordAttempts === 0 && state.unanswered.length === 0)
      state.unanswered.push(`"${prompt.trim()}"`);
    return undefined;
  }
  if (state.passwordAttempts++ >= target.numberOfPasswordPrompts) return undefined;
  const retry = state.passwordAttempts > 1 ? { instructions: 'Permission denied, please try again.' } : {};
  const password = await ask(state, { prompt, echo: false, ...retry });
  if (password === undefined) return undefined;
  state.answersSent += 1;
  return { type: 'password', username: target.user, password };
}

/**
 * userauth_kbdint: undefined = not sent (no one to ask, attempts used up, or the server never asked). A
 * prompt nobody answers ends the login (state.abandon) instead of sending an empty response: an empty
 * answer is a failed PAM attempt (faillock counts it; a Duo prompt may push), and the login is over anyway.
 */
export function keyboardAttempt(state: SecretState): SecretMethod | undefined {
  const { target } = state;
  if (!state.askSecret) {
    if (state.keyboardAttempts === 0 && state.unanswered.length === 0)
      state.unanswered.push("the server's keyboard-interactive questions (a one-time code or a password)");
    return undefined;
  }
  if (state.keyboardAttempts++ >= target.numberOfPasswordPrompts) return undefined;
  if (state.keyboardAttempts > 1 && !state.infoRequestSeen) return undefined;
  let requests = 0;
  const prompt: KeyboardPrompt = (name, instructions, _lang, prompts, finish) => {
    state.infoRequestSeen = true;
    requests += 1;
    const allowed = requests <= MAX_INFO_REQUESTS && prompts.length <= MAX_PROMPTS;
    answerAll(state, { name, instructions, prompts: allowed ? prompts : [] })
      .then((answers) => {
        if (answers === undefined) return state.abandon();
        if (allowed && prompts.length > 0) state.answersSent += 1;
        finish(allowed ? answers : prompts.map(() => ''));
      })
      .catch(() => state.abandon());
  };
  return { type: 'keyboard-interactive', username: target.user, prompt };
}

interface InfoRequest {
  name: string;
  instructions: string;
  prompts: Prompt[];
}

/** One INFO_REQUEST's prompts in order; undefined (the rest unasked) once one goes unanswered. */
async function answerAll(state: SecretState, request: InfoRequest): Promise<string[] | undefined> {
  const { target } = state;
  const header = [request.name, request.instructions]
    .map((line) => serverText(line, MAX_KBD_INSTRUCTION_CHARS, true).trim())
    .filter((line) => line !== '')
    .join('\n');
  const answers: string[] = [];
  for (const [index, item] of request.prompts.entries()) {
    if (!state.askSecret) return undefined;
    const text = serverText(item.prompt, MAX_KBD_PROMPT_CHARS);
    const question: LoginQuestion = {
      prompt: `(${target.user}@${promptHost(target)}) ${text}`,
      echo: item.echo === true,
      ...(index === 0 && header !== '' ? { instructions: header } : {}),
    };
    const answer = await ask(state, question);
    if (answer === undefined) return undefined;
    answers.push(answer);
  }
  return answers;
}
