// What each SSH_ASKPASS call from the OpenSSH master is, from its prompt text and SSH_ASKPASS_PROMPT
// (readpass.c): a host-key yes/no question, a key passphrase, a notice, or any other secret (a password,
// a one-time code, a PIN, a keyboard-interactive prompt). Pure; the prompt is untrusted text (a
// keyboard-interactive prompt and a key path come from the server or the config), so it is escaped here.
import { boundText, escapeControls } from '../redact.js';

export type AskpassRequest =
  /** "Are you sure you want to continue connecting (yes/no/[fingerprint])?" and other yes/no questions. */
  | { kind: 'yes-no'; question: string }
  /** "Enter passphrase for key '<file>': " (sshconnect2.c load_identity_file). */
  | { kind: 'passphrase'; file: string }
  /** SSH_ASKPASS_PROMPT=confirm: allowed when the answer is yes (an exit status of 0 with "yes"). */
  | { kind: 'confirm'; question: string }
  /** SSH_ASKPASS_PROMPT=none: a notice ("Confirm user presence for key …", a FIDO touch); no answer. */
  | { kind: 'notice'; text: string }
  | { kind: 'secret'; prompt: string };

/** How much of one prompt we keep: a host-key question is ~300 characters, a kbd-int prompt a line. */
export const MAX_PROMPT_CHARS = 2048;

// Every line escaped on its own: the question's line breaks are ours to show, nothing else moves the cursor.
function clean(text: string): string {
  return boundText(text.split('\n').map(escapeControls).join('\n'), MAX_PROMPT_CHARS);
}

// sshconnect.c confirm(): "(yes/no/[fingerprint])? ", its re-ask "Please type 'yes', 'no' or the
// fingerprint: ", CheckHostIP's "(yes/no)? ", UpdateHostKeys=ask's "Accept updated hostkeys? (yes/no): ".
const YES_NO = /\(yes\/no[^)]*\)\??:?\s*$|^Please type 'yes', 'no'/m;
const PASSPHRASE = /^Enter passphrase for key '(.+)': ?$/s;

/** `hint` is SSH_ASKPASS_PROMPT as the helper saw it ('' when unset). */
export function classifyPrompt(prompt: string, hint: string): AskpassRequest {
  const text = clean(prompt);
  if (hint === 'none') return { kind: 'notice', text };
  if (hint === 'confirm') return { kind: 'confirm', question: text };
  if (YES_NO.test(prompt)) return { kind: 'yes-no', question: text };
  const passphrase = PASSPHRASE.exec(prompt.trimEnd());
  if (passphrase?.[1] !== undefined && !/[\n\r]/.test(passphrase[1])) {
    return { kind: 'passphrase', file: passphrase[1] };
  }
  return { kind: 'secret', prompt: text };
}
