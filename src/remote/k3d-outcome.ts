// Pure readers of what `k3d cluster create` and `k3d cluster delete` print (shapes: docs/reference/k3d.md
// §4.2-§4.4): the progress worth showing while k3d runs, and why a run failed. The exit code decides
// success; k3d's (and docker's) words only choose the message and hint. No I/O.
import { remoteText } from '../redact.js';
import { parseK3dLogLine } from './k3d-log.js';

// A runtime failure (docker down, an old k3d refused) is classified before these (k3d-runtime.ts).
export type CreateFailureKind = 'port-in-use' | 'name-taken' | 'invalid-config' | 'other';

export interface CreateFailure {
  kind: CreateFailureKind;
  /** The dev-server port docker could not bind (port-in-use). */
  port: number | undefined;
  /** Whether k3d undid what it had created: its last FATA line says. */
  rollback: 'done' | 'failed' | 'disabled' | 'none';
  /** k3d's (or docker's) own words for the cause: one line, ANSI stripped. */
  detail: string;
}

export type DeleteOutcome = { kind: 'deleted' } | { kind: 'not-found' } | { kind: 'failed'; detail: string };

const PORT_PATTERNS = [
  // Another container (docker-proxy) holds it.
  /Bind for (\S*?):(\d+) failed: port is already allocated/,
  // A host process holds it (userland proxy, newer engines): "listen tcp4 0.0.0.0:8080: bind: address already in use".
  /listen tcp[46]? (\S*?):(\d+): bind: address already in use/,
  /(\S*?):(\d+)[^\n]*address already in use/,
];

// Every detail below is shown to the user and logged: each line redacted, escaped and bounded first.
function messages(text: string): { level: string | undefined; message: string }[] {
  return text
    .split('\n')
    .map(parseK3dLogLine)
    .filter((line) => line.message !== '')
    .map((line) => ({ level: line.level, message: remoteText(line.message) }));
}

/** The message to show while k3d runs (its INFO and WARN lines), or undefined for lines not worth it. */
export function progressMessage(line: string): string | undefined {
  const parsed = parseK3dLogLine(line);
  if (parsed.message === '' || parsed.message === 'You can now use it like this:') return undefined;
  // One progress line on the terminal: redacted, escaped and bounded like every other remote line.
  if (parsed.level === 'INFO') return remoteText(parsed.message);
  if (parsed.level === 'WARN') return `warning: ${remoteText(parsed.message)}`;
  return undefined;
}

/** Why `k3d cluster create` failed, from everything it printed (stdout and stderr). */
export function classifyCreateFailure(stdout: string, stderr: string): CreateFailure {
  const all = [...messages(stdout), ...messages(stderr)];
  const problems = all.filter((line) => line.level === 'ERRO' || line.level === 'FATA');
  const last = problems.at(-1)?.message ?? all.at(-1)?.message ?? '';
  const rollback = /all changes have been rolled back/i.test(last)
    ? 'done'
    : /also FAILED to rollback/i.test(last)
      ? 'failed'
      : /rollback deactivated/i.test(last)
        ? 'disabled'
        : 'none';
  // The first error is the cause; the FATA after a rollback only says that it rolled back.
  const cause = (rollback === 'none' ? problems.at(-1) : problems[0])?.message ?? last;
  const text = all.map((line) => line.message).join('\n');
  for (const pattern of PORT_PATTERNS) {
    const match = pattern.exec(cause) ?? pattern.exec(text);
    if (match) {
      const detail = dockerPart(match[0], cause);
      return { kind: 'port-in-use', port: Number(match[2]), rollback, detail };
    }
  }
  if (/because a cluster with that name already exists/i.test(text)) {
    return { kind: 'name-taken', port: undefined, rollback, detail: cause };
  }
  const invalid =
    /Failed Cluster Configuration Validation|Failed to parse node filters|error processing|Failed to apply CLI overrides|failed to parse/i;
  if (invalid.test(cause)) return { kind: 'invalid-config', port: undefined, rollback, detail: cause };
  return { kind: 'other', port: undefined, rollback, detail: cause };
}

/** docker's sentence inside k3d's long chain of wrapped errors ("…: Error response from daemon: …"). */
function dockerPart(matched: string, cause: string): string {
  const daemon = /Error response from daemon: (.*)$/.exec(cause);
  if (!daemon) return matched;
  // "driver failed programming external connectivity on endpoint x (id): Bind for …" → what follows.
  return (daemon[1] ?? matched).replace(
    /^driver failed programming external connectivity on endpoint \S+ \([^)]*\): /,
    '',
  );
}

/**
 * What `k3d cluster delete NAME` did. k3d exits 0 for an unknown name, and also when docker is down: the
 * caller asks runtimeFailure (k3d-runtime.ts) first.
 */
export function classifyDelete(stdout: string, stderr: string, code: number | null): DeleteOutcome {
  const text = `${stdout}\n${stderr}`;
  if (code === 0 && /Successfully deleted cluster/i.test(text)) return { kind: 'deleted' };
  if (code === 0 && /nothing to delete|No clusters found/i.test(text)) return { kind: 'not-found' };
  const problems = [...messages(stderr), ...messages(stdout)].filter(
    (line) => line.level === 'ERRO' || line.level === 'FATA' || line.level === undefined,
  );
  if (code === 0) return { kind: 'deleted' };
  return { kind: 'failed', detail: problems.at(-1)?.message ?? `k3d exited with ${code}` };
}
