// Text the dev server printed (k3d, docker, the Kubernetes API) becomes error messages and log lines.
// Some of it is secret by nature (`k3d kubeconfig get` prints the cluster-admin key, `k3d cluster list
// -o json` the K3S_TOKEN), so every remote line passes through here before a person or a file sees it:
// secrets replaced, control characters escaped, length bounded. Pure; no I/O.

export const REDACTED = '[redacted]';

/** How much remote text one message keeps (a summary line, never a document). */
export const MAX_REMOTE_TEXT = 500;

// Only this much is scanned: a secret past it is cut away by the bound anyway.
const MAX_SCANNED = 64 * 1024;

// A PEM block (private keys, certificates), also JSON-escaped on one line, also cut off before its END.
const PEM = /-----BEGIN [A-Z0-9 ]{1,40}-----[\s\S]*?(?:-----END [A-Z0-9 ]{1,40}-----|$)/g;

// `key: value`, `key=value`, `"key":"value"` (also Go-escaped `\"key\":\"value\"`) for keys that name a
// secret: kubeconfig's `*-data` fields, K3S_TOKEN, `token`, `password`, `secret`, `clusterToken`.
const SECRET_FIELD =
  /([A-Za-z0-9_.-]*(?:-data|token|password|passwd|secret)\\?["']?[ \t]*[:=][ \t]*\\?["']?)(?!\[redacted\])[^\s"'\\,;}\]]+/gi;

// `--token abc`, `--password=abc`, as a command line in an error may show them.
const SECRET_FLAG = /(--(?:token|password|[a-z-]*-data)[= ])(?!\[redacted\])[^\s"',;]+/gi;

const AUTH_HEADER = /\b(Bearer|Basic)[ \t]+(?!\[redacted\])[A-Za-z0-9._~+/=-]+/gi;

// scheme://user:password@host: keep who, drop the password.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*:)[^\s@/]+@/gi;

const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

// Long runs of base64 (a key or certificate body, a line of one): mixed case and digits, 40+ characters.
// An SSH fingerprint (SHA256:…) is public and is what a person compares, so it is kept; hex digests have
// no upper case and are kept too.
const BASE64_RUN = /(?<![A-Za-z0-9+/_-]|SHA256:)[A-Za-z0-9+/_-]{40,}={0,2}/g;

function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** `text` with every key, certificate, token and password it carries replaced by [redacted]. */
export function redactSecrets(text: string): string {
  if (text === '') return text;
  return text
    .replace(PEM, REDACTED)
    .replace(SECRET_FIELD, `$1${REDACTED}`)
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

/** At most `max` characters; the cut is marked, and never leaves half a surrogate pair. */
export function boundText(text: string, max = MAX_REMOTE_TEXT): string {
  if (text.length <= max) return text;
  let end = max;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Remote output made fit for an error message or a log line: redacted, escaped, bounded. */
export function remoteText(text: string, max = MAX_REMOTE_TEXT): string {
  return boundText(escapeControls(redactSecrets(text.slice(0, MAX_SCANNED))), max);
}
