// Pure readers of k3d's human output: logrus log lines (coloured, logfmt, bare), `k3d version`, and the
// `---` + YAML that `k3d kubeconfig get` prints. No I/O. Message wording drifts between k3d releases,
// so callers decide by exit code and use these only to show the user k3d's own words.
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';

export type K3dLogLevel = 'INFO' | 'WARN' | 'ERRO' | 'FATA' | 'DEBU' | 'TRAC';

export interface K3dLogLine {
  /** undefined for bare lines (cobra's `Error: …`, `kubectl cluster-info`, a shell's `k3d: not found`). */
  level: K3dLogLevel | undefined;
  /** Seconds since k3d started (`INFO[0012]`); undefined with LOG_TIMESTAMPS or logfmt output. */
  seconds: number | undefined;
  message: string;
}

export interface K3dVersions {
  k3d: string | undefined;
  k3s: string | undefined;
}

// CSI sequences (colours, cursor moves) and two-byte escapes; k3d forces colours even without a TTY.
const ANSI_PATTERN = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

// logrus TextFormatter: `INFO[0012] message` (4-letter level; PANI exists in logrus but not in k3d's use).
const TEXT_LINE = /^(INFO|WARN|ERRO|FATA|DEBU|TRAC|PANI)\[([^\]]*)\] ?(.*)$/;

// logrus logfmt levels (LOG_COLORS=false) mapped onto the 4-letter names the text form uses.
const LOGFMT_LEVELS: Record<string, K3dLogLevel> = {
  trace: 'TRAC',
  debug: 'DEBU',
  info: 'INFO',
  warning: 'WARN',
  warn: 'WARN',
  error: 'ERRO',
  fatal: 'FATA',
  panic: 'FATA',
};

export function parseK3dLogLine(line: string): K3dLogLine {
  const plain = stripAnsi(line).replace(/\r$/, '');
  const text = TEXT_LINE.exec(plain);
  if (text) {
    const level = text[1] === 'PANI' ? 'FATA' : (text[1] as K3dLogLevel);
    const stamp = text[2] ?? '';
    const seconds = /^\d+$/.test(stamp) ? Number(stamp) : undefined;
    return { level, seconds, message: (text[3] ?? '').trim() };
  }
  // logrus logfmt always opens with time= (or level= without timestamps); anything else is a bare line.
  const logfmt = /^(?:time|level)=/.test(plain) ? parseLogfmt(plain) : new Map<string, string>();
  const level = logfmt.get('level');
  if (level !== undefined && LOGFMT_LEVELS[level] && logfmt.has('msg')) {
    return { level: LOGFMT_LEVELS[level], seconds: undefined, message: (logfmt.get('msg') ?? '').trim() };
  }
  return { level: undefined, seconds: undefined, message: plain.trim() };
}

// `time="…" level=info msg="Prep: Network"`; values are bare words or Go-quoted strings.
function parseLogfmt(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const match of line.matchAll(/([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = match[2] ?? '';
    fields.set(match[1] ?? '', raw.startsWith('"') ? unquoteGo(raw) : raw);
  }
  return fields;
}

function unquoteGo(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    // Go's %q can emit \x escapes JSON does not know; the inner text is still readable.
    return quoted.slice(1, -1).replace(/\\(.)/g, '$1');
  }
}

/**
 * The line worth showing when k3d failed: the last FATA or ERRO message, else the last non-empty line (a
 * shell's "k3d: not found", cobra's "Error: …"), else ''. It lands in an error message and the agent's
 * log, so it is redacted, escaped and bounded (remoteText): the last line may be a kubeconfig's key.
 */
export function summarizeK3dError(stderr: string): string {
  const lines = stderr.split('\n').map(parseK3dLogLine);
  const fatal = lines.filter((line) => line.level === 'FATA' || line.level === 'ERRO').at(-1);
  if (fatal && fatal.message !== '') return remoteText(fatal.message);
  return remoteText(lines.filter((line) => line.message !== '').at(-1)?.message ?? '');
}

/** `k3d version` (two plain lines) or `k3d version -o json` (v5.5+). Unknown shapes give undefined fields. */
export function parseK3dVersion(stdout: string): K3dVersions {
  const text = stripAnsi(stdout).trim();
  if (text.startsWith('{')) {
    try {
      const data: unknown = JSON.parse(text);
      if (typeof data === 'object' && data !== null) {
        const record = data as Record<string, unknown>;
        return { k3d: stringOrUndefined(record.k3d), k3s: stringOrUndefined(record.k3s) };
      }
    } catch {
      // Fall through to the plain form: a truncated JSON line still has no version we can trust.
    }
  }
  return {
    k3d: /^k3d version (\S+)/m.exec(text)?.[1],
    k3s: /^k3s version (\S+)/m.exec(text)?.[1],
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Where the document starts after k3d's leading log lines. INFO and DEBUG go to stdout (k3d's logrus hook),
 * and a message may span lines: with LOG_LEVEL=debug, k3d's initRuntime logs "Runtime Info:\n%+v", so a
 * bare `&{Name:docker Endpoint:…}` line follows its DEBU line. A line after a log line is part of that
 * message until one starts the document (`startsDocument`).
 */
export function afterLeadingLogs(
  lines: readonly string[],
  startsDocument: (line: string) => boolean,
): number {
  let index = 0;
  let inMessage = false;
  for (; index < lines.length; index++) {
    const line = stripAnsi(lines[index] ?? '');
    if (parseK3dLogLine(line).level !== undefined) inMessage = true;
    else if (line.trim() !== '' && (!inMessage || startsDocument(line))) break;
  }
  return index;
}

/** The first line before `end` that afterLeadingLogs skipped as part of a log message (not a log line). */
export function skippedBareLine(lines: readonly string[], end: number): string | undefined {
  return lines
    .slice(0, end)
    .map(stripAnsi)
    .find((line) => line.trim() !== '' && parseK3dLogLine(line).level === undefined);
}

/** The YAML of `k3d kubeconfig get NAME`: k3d prints a `---` document separator line first. */
export function parseKubeconfigGetOutput(stdout: string): string {
  const lines = stdout.split('\n');
  // Skip blank lines and log lines (INFO/DEBUG go to stdout when LOG_LEVEL is raised on the server). A
  // multi-line debug message may hold `key: value` lines (k3d's "Configuration:\n%s"): the `---` k3d prints
  // starts the document when there is one.
  const separated = lines.some((line) => stripAnsi(line).trim() === '---');
  const key = /^[A-Za-z][\w-]*:(\s|$)/;
  let start = afterLeadingLogs(lines, (line) => line.trim() === '---' || (!separated && key.test(line)));
  if ((lines[start] ?? '').trim() === '---') start++;
  const yaml = lines.slice(start).join('\n');
  if (yaml.trim() === '') {
    throw new TunnelError('K3D_OUTPUT', '"k3d kubeconfig get" printed no kubeconfig (stdout was empty).', {
      hint: 'Run "k3d kubeconfig get <cluster>" on the dev server to see what it prints; tunnel supports k3d v5.x.',
    });
  }
  return yaml.endsWith('\n') ? yaml : `${yaml}\n`;
}
