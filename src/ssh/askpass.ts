// SSH_ASKPASS as OpenSSH uses it (readpass.c read_passphrase / ssh_askpass), for questions tunnel asks
// itself (ssh2 transport: passphrases, host keys, passwords, one-time codes). Which one answers, the
// terminal or the program, is config/askpass.ts; running it is runAskpass(): the prompt as its only
// argument, never through a shell, one line read from its stdout, a non-zero exit meaning "no answer".
// The answer is returned and nothing else: never logged, never in an error (the prompt is not secret).
import { runProcess } from '../process/run.js';

/** What OpenSSH reads from the program: its buffer is 1024 bytes. More is refused (no answer). */
const MAX_ANSWER_CHARS = 1024;
/** OpenSSH waits for ever; a forgotten dialog must not hold a connect for longer than this. */
const ASKPASS_TIMEOUT_MS = 10 * 60_000;

export interface AskpassRequest {
  program: string;
  /** Shown by the program (its argv[1]): made safe by the caller, it comes from the server. */
  prompt: string;
  /** 'confirm' for a yes/no permission question (SSH_ASKPASS_PROMPT), as OpenSSH's RP_ASK_PERMISSION. */
  hint?: 'confirm';
  /** The environment the program runs with (default ours); SSH_ASKPASS_PROMPT is set or removed here. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The program's first line of output; undefined when it failed, was killed, or said too much. */
export async function runAskpass(request: AskpassRequest): Promise<string | undefined> {
  const { SSH_ASKPASS_PROMPT: _inherited, ...env } = request.env ?? process.env;
  if (request.hint) env.SSH_ASKPASS_PROMPT = request.hint;
  const result = await runProcess({
    file: request.program,
    args: [request.prompt],
    env,
    timeoutMs: ASKPASS_TIMEOUT_MS,
    maxBufferChars: MAX_ANSWER_CHARS,
    signal: request.signal,
  });
  if (result.exitCode !== 0) return undefined;
  return result.stdout.split(/[\r\n]/, 1)[0] ?? '';
}

/**
 * A yes/no question asked through the program the way OpenSSH's confirm() does for a host key: the
 * answer is typed ("yes"/"no", blanks around ignored); an empty one or none is no; anything else asks again.
 */
export async function askpassConfirm(request: AskpassRequest): Promise<boolean> {
  let prompt = request.prompt;
  for (let attempt = 0; attempt < 5; attempt++) {
    const answer = await runAskpass({ ...request, prompt });
    const word = answer?.trim().split(/[ \t]/, 1)[0]?.toLowerCase() ?? '';
    if (answer === undefined || word === '' || word === 'no') return false;
    if (word === 'yes') return true;
    prompt = "Please type 'yes' or 'no': ";
  }
  return false;
}
