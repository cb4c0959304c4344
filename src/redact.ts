// Text the dev server printed (k3d, docker, the Kubernetes API) becomes error messages and log lines.
// Some of it is secret by nature (`k3d kubeconfig get` prints the cluster-admin key, `k3d cluster list
// -o json` the K3S_TOKEN), so every remote line passes through here before a person or a file sees it:
// secrets replaced, control characters escaped, length bounded. Pure; no I/O.

export const REDACTED = '[redacted]';

/** How much remote text one message keeps (a summary line, never a document). */
export const MAX_REMOTE_TEXT = 500;

// Only this much is scanned: a secret past it is cut away by the bound anyway.
const MAX_SCANNED = 64 * 1024;

// Every pattern below is linear on hostile input (a 1 MiB run of one letter, of base64, of `-----BEGIN`,
// of `-`): a repeated part either starts only where a word starts (a lookbehind), so a long run offers
// one start instead of one per character, or is bounded. An unanchored `[a-z]*` before a literal is
// retried from every position of a run: 64 KiB of letters blocked the agent for 15 s.

// A PEM block (private keys, certificates), also JSON-escaped on one line, also cut off before its END.
const PEM = /-----BEGIN [A-Z0-9 ]{1,40}-----[\s\S]*?(?:-----END [A-Z0-9 ]{1,40}-----|$)/g;

// A k3s join token in full, `K10<CA hash>::<user>:<password>`: the password part is lower-case hex,
// which the base64 rule keeps (digests look the same), so the whole token is matched by its shape.
const K3S_FULL_TOKEN = /(?<![A-Za-z0-9_])K10[0-9a-fA-F]{16,128}::[A-Za-z0-9_.-]{1,64}:[^\s"'\\,;}\]]{1,512}/g;

// The name of a secret-bearing key: kubeconfig's `*-data` fields, K3S_TOKEN, `token`, `password`,
// `secret`, `clusterToken`, `k3d.cluster.token`. It starts where a word starts, 64 characters at most.
const KEY_WORD = '(?<![A-Za-z0-9_.-])[A-Za-z0-9_.-]{0,64}(?:-data|token|password|passwd|secret)';
// The key's own closing quote (also Go-escaped `\"`) and the `:` or `=` after it.
const KEY_END = String.raw`\\?["']?[ \t]{0,64}[:=][ \t]{0,64}`;
// The value: a quoted string whole (spaces and escaped quotes included, to its closing quote on the same
// line), or a bare word. A quote scan stops at the next unescaped quote or line end, so it stays linear.
const QUOTED_VALUE = String.raw`"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*'|\\"(?:[^"\\\n]|\\[^"\n])*\\"`;
const BARE_VALUE = String.raw`(?!\[redacted\])[^\s"'\\,;}\]]+`;
// A quote never closed (the text was cut) still hides the word after it.
const SECRET_FIELD = new RegExp(
  String.raw`(${KEY_WORD}${KEY_END})(?:(${QUOTED_VALUE})|(\\?["']?)${BARE_VALUE})`,
  'gi',
);

// `--token abc`, `--password=abc`, as a command line in an error may show them. `--` starts a flag only
// where no `-` or word precedes it, so a run of dashes offers one start.
const SECRET_FLAG =
  /(?<![A-Za-z0-9_-])(--(?:token|password|[a-z-]{0,64}-data)[= ])(?!\[redacted\])[^\s"',;]+/gi;

const AUTH_HEADER = /\b(Bearer|Basic)[ \t]{1,64}(?!\[redacted\])[A-Za-z0-9._~+/=-]+/gi;

// scheme://user:password@host: keep who, drop the password.
const URL_PASSWORD = /(?<![A-Za-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/[^\s:@/]{0,256}:)[^\s@/]{1,512}@/gi;

const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

// Long runs of base64 (a key or certificate body, a line of one): mixed case and digits, 40+ characters.
// An SSH fingerprint (SHA256:…) is public and is what a person compares, so it is kept; hex digests have
// no upper case and are kept too.
const BASE64_RUN = /(?<![A-Za-z0-9+/_-]|SHA256:)[A-Za-z0-9+/_-]{40,}={0,2}/g;

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** `[redacted]` between the same quotes as `quoted` (`"…"`, `'…'` or Go-escaped `\\"…\\"`). */
function quoteAround(quoted: string): string {
  const quote = quoted.startsWith('\\') ? '\\"' : quoted[0];
  return `${quote}${REDACTED}${quote}`;
}

/** `text` with every key, certificate, token and password it carries replaced by [redacted]. */
export function redactSecrets(text: string): string {
  if (text === '') return text;
  return text
    .replace(PEM, REDACTED)
    .replace(K3S_FULL_TOKEN, REDACTED)
    .replace(SECRET_FIELD, (_match, prefix: string, quoted?: string, open?: string) =>
      quoted === undefined ? `${prefix}${open ?? ''}${REDACTED}` : `${prefix}${quoteAround(quoted)}`,
    )
    .replace(SECRET_FLAG, `$1${REDACTED}`)
    .replace(AUTH_HEADER, `$1 ${REDACTED}`)
    .replace(URL_PASSWORD, `$1${REDACTED}@`)
    .replace(JWT, REDACTED)
    .replace(BASE64_RUN, (run) => (looksRandom(run) ? REDACTED : run));
}

/**
 * C0/C1 controls, DEL, bidi overrides and isolates, and line/paragraph separators, as visible escapes:
 * remote text on a terminal must not move the cursor, set the title or clipboard (OSC), fake a line, or
 * reorder what is shown.
 */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(UNSAFE_CHARS, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Like escapeControls, but line breaks stay: for multi-line messages we compose ourselves. */
export function escapeControlsKeepLines(text: string): string {
  return text.split('\n').map(escapeControls).join('\n');
}

/**
 * A program's stderr (ssh, a ProxyCommand) as lines: CRLF and lone CR end a line too (ssh writes
 * "\r\n" while a terminal is in raw mode), so no carriage return reaches a message; blank lines dropped.
 */
export function stderrLines(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
}

/** The last line with something on it, trimmed ('' when none): what a one-line message quotes. */
export function lastLine(text: string): string {
  return stderrLines(text).at(-1)?.trim() ?? '';
}

/**
 * Server text fit for a prompt (a keyboard-interactive prompt, a question ssh relays): controls escaped,
 * so an ESC cannot drive the terminal, line breaks kept when asked, length bounded. Used where the text
 * is first taken in (ssh2's auth, the OpenSSH transport's askpass relay); questionText shapes it for show.
 */
export function serverText(text: string, max: number, keepLines = false): string {
  const bounded = text.slice(0, max * 2);
  return boundText(keepLines ? escapeControlsKeepLines(bounded) : escapeControls(bounded), max);
}

/** At most `max` characters; the cut is marked, and never leaves half a surrogate pair. */
export function boundText(text: string, max = MAX_REMOTE_TEXT): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** How much of one string a log line keeps: enough for any message of ours, never a document. */
export const MAX_LOG_TEXT = 4096;

/**
 * A string fit for a log line: redacted, then bounded. Only the first MAX_SCANNED characters are
 * scanned (the bound cuts the rest anyway), and the cut comes after redaction so it cannot break a
 * secret into pieces too short to be recognized.
 */
export function logText(text: string, max = MAX_LOG_TEXT): string {
  return boundText(redactSecrets(text.slice(0, MAX_SCANNED)), max);
}

/** Remote output made fit for an error message or a log line: redacted, escaped, bounded. */
export function remoteText(text: string, max = MAX_REMOTE_TEXT): string {
  return boundText(escapeControls(redactSecrets(text.slice(0, MAX_SCANNED))), max);
}

// The words of a login question (a password or one-time-code prompt, keyboard-interactive instructions)
// come from the dev server or a bastion: untrusted text that reaches a terminal and an askpass program.
// Made safe once, for both: escape sequences removed whole (a colour, a title, a clipboard write), other
// controls shown as visible escapes, line breaks kept (instructions span lines), length bounded.

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
