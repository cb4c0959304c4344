// The words of a login question (a password or one-time-code prompt, keyboard-interactive instructions)
// come from the dev server or a bastion: untrusted text that reaches a terminal and an askpass program.
// Made safe here, once, for both: escape sequences removed whole (a colour, a title, a clipboard write),
// other controls shown as visible escapes, line breaks kept (instructions span lines), length bounded.
import { boundText, escapeControlsKeepLines } from '../redact.js';

/** The longest prompt shown ("Verification code: " is 19). */
export const MAX_PROMPT_CHARS = 512;
/** The longest keyboard-interactive name + instruction block shown. */
export const MAX_INSTRUCTIONS_CHARS = 2048;

// CSI (ESC [ … final) and OSC (ESC ] … BEL or ST), then any other two-character escape. The input is
// cut to a few times the bound first, so no pattern scans more than that.
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]?/g;
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?/g;
const OTHER_ESCAPE = /\u001b[^[\]]?/g;
const C1_CSI = /\u009b[0-?]*[ -/]*[@-~]?/g;

/** `text` fit to show at a terminal or hand to SSH_ASKPASS: no escape sequence, no control, at most `max`. */
export function questionText(text: string, max: number): string {
  const cut = text.slice(0, max * 4);
  const stripped = cut
    .replace(OSC, '')
    .replace(CSI, '')
    .replace(C1_CSI, '')
    .replace(OTHER_ESCAPE, '')
    .replace(/\r\n?/g, '\n');
  return boundText(escapeControlsKeepLines(stripped), max);
}
