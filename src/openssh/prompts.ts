// What each SSH_ASKPASS call from the OpenSSH master is, from its prompt text and SSH_ASKPASS_PROMPT
// (readpass.c): a host-key yes/no question, a key passphrase, a notice, or any other secret (a password,
// a one-time code, a PIN, a keyboard-interactive prompt). Pure; the prompt is untrusted text (a
// keyboard-interactive prompt and a key path come from the server or the config), so it is escaped here.
//
// Before OpenSSH 8.4 ssh showed a keyboard-interactive prompt verbatim, without the "(user@host) " it
// adds since: a server can then send any text, ssh's own questions included. So the text alone decides
// nothing that matters: a passphrase question counts only for a key file this target really uses, and a
// yes/no question only in ssh's exact words, the whole prompt matched (not just one of its lines).
import { escapeControls, serverText } from '../redact.js';

export type AskpassRequest =
  /** "Are you sure you want to continue connecting (yes/no/[fingerprint])?" and other yes/no questions. */
  | { kind: 'yes-no'; question: string }
  /** "Enter passphrase for key '<file>': " (sshconnect2.c load_identity_file), for one of the target's keys. */
  | { kind: 'passphrase'; file: string }
  /** SSH_ASKPASS_PROMPT=confirm: allowed when the answer is yes (an exit status of 0 with "yes"). */
  | { kind: 'confirm'; question: string }
  /** SSH_ASKPASS_PROMPT=none: a notice ("Confirm user presence for key …", a FIDO touch); no answer. */
  | { kind: 'notice'; text: string }
  | { kind: 'secret'; prompt: string };

/** How much of one prompt we keep: a host-key question is ~300 characters, a kbd-int prompt a line. */
export const MAX_QUESTION_CHARS = 2048;

// Every line escaped on its own: the question's line breaks are ours to show, nothing else moves the cursor.
function clean(text: string): string {
  return serverText(text, MAX_QUESTION_CHARS, true);
}

// sshconnect.c: a new key ("The authenticity of host …") or CheckHostIP's warning ("Warning: the … host
// key for …"), ending in confirm()'s question; confirm()'s re-asks; clientloop.c's UpdateHostKeys=ask.
const HOST_KEY_QUESTION =
  /^(The authenticity of host '|Warning: the )[\s\S]*\nAre you sure you want to continue connecting \(yes\/no(\/\[fingerprint\])?\)\? $/;
const YES_NO_EXACT = new Set([
  "Please type 'yes' or 'no': ",
  "Please type 'yes', 'no' or the fingerprint: ",
  'Accept updated hostkeys? (yes/no): ',
]);
const PASSPHRASE = /^Enter passphrase for key '(.+)': $/s;
/** ssh prints the file with "%.100s" (sshconnect2.c): a longer path arrives cut to its first 100 bytes. */
const FILE_NAME_BYTES = 100;

function isYesNo(prompt: string): boolean {
  return YES_NO_EXACT.has(prompt) || HOST_KEY_QUESTION.test(prompt);
}

/** Which of the target's identity files (expanded, as ssh -G gives them) the prompt names, if any. */
function keyFileNamed(shown: string, identityFiles: readonly string[]): string | undefined {
  return identityFiles.find((file) => {
    if (file === shown) return true;
    const bytes = Buffer.from(file);
    return bytes.length > FILE_NAME_BYTES && bytes.subarray(0, FILE_NAME_BYTES).toString() === shown;
  });
}

/**
 * `hint` is SSH_ASKPASS_PROMPT as the helper saw it ('' when unset); `identityFiles` the target's
 * IdentityFile list: only a passphrase question for one of them is answered as a passphrase.
 */
export function classifyPrompt(
  prompt: string,
  hint: string,
  identityFiles: readonly string[],
): AskpassRequest {
  const text = clean(prompt);
  if (hint === 'none') return { kind: 'notice', text };
  if (hint === 'confirm') return { kind: 'confirm', question: text };
  if (isYesNo(prompt)) return { kind: 'yes-no', question: text };
  const named = PASSPHRASE.exec(prompt)?.[1];
  const file = named === undefined ? undefined : keyFileNamed(named, identityFiles);
  if (file !== undefined) return { kind: 'passphrase', file: escapeControls(file) };
  return { kind: 'secret', prompt: text };
}
