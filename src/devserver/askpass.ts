// The questions of a login answered by an SSH_ASKPASS program instead of a terminal (config/askpass.ts says
// when, ssh/askpass.ts how it is run). The CLI uses it when SSH_ASKPASS says so; an agent session uses it for
// an unattended reconnect when it was given one (SessionOptions.askpass).
import { MAX_PROMPT_CHARS, questionText } from '../redact.js';
import { askpassConfirm, runAskpass } from '../ssh/askpass.js';
import type { LoginQuestion } from '../ssh/types.js';
import type { Interaction } from './connect.js';

/** Every question of a login put to `program`; env is the environment it runs with (default ours). */
export function askpassInteraction(program: string, env?: NodeJS.ProcessEnv): Interaction {
  // The prompt is the server's text (a keyboard-interactive prompt): made safe before it is argv[1].
  const ask = (prompt: string) =>
    runAskpass({ program, prompt: questionText(prompt, MAX_PROMPT_CHARS), env });
  return {
    confirm: (question) => askpassConfirm({ program, prompt: question, env }),
    askPassphrase: (file) => ask(`Enter passphrase for key '${file}': `),
    askSecret: (question: LoginQuestion) => ask(question.prompt),
  };
}
