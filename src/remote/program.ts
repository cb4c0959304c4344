// A program on the dev server (k3d, docker), found once and then always run in the user's login environment
// when there is one. The one find routine: the SSH session's PATH (what `ssh host k3d` runs), then the user's
// login shell (PATH and variables such as DOCKER_HOST or DOCKER_CONTEXT often live in ~/.profile), then bash
// and sh as login shells, then the usual install paths. Wherever it was found, once the user's login shell is
// known and usable (it runs a command we give it), the program is run through that login shell, so what the
// profile sets applies to it as it would in the user's terminal: rootless docker has docker in /usr/bin and
// DOCKER_HOST in ~/.profile. Without a usable login shell, a program a fallback login shell found runs
// through that shell, and one on the session PATH or an install path runs as `ssh host <path>` would.
// Every word is an argv word (the SSH layer quotes it); the scripts are constants taking "$0" "$@".
import { TunnelError } from '../errors.js';
import { lastLine } from '../redact.js';
import type { ExecOptions, ExecResult, SshConnection } from '../ssh/types.js';
import { afterMarker, MarkerFilter, RUN_MARKER } from './run-marker.js';

export type FoundVia = 'PATH' | 'login shell' | 'install path';

export interface RemoteProgram {
  /** Where it is on the dev server, for people: `/home/dev/.local/bin/k3d`. */
  path: string;
  foundVia: FoundVia;
  /** The login shell that runs it (whose profile applies); undefined: run as `ssh host <path>` would. */
  shell?: string;
  /** The argv prefix that runs it: `[path]`, or the login shell around it. */
  command: string[];
}

export { afterMarker, RUN_MARKER } from './run-marker.js';

/** Shells whose `-c` takes `$0` and `$@` as sh does, and that read a profile with `-l`. */
const POSIX_SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ksh93', 'ash', 'yash']);

type Family = 'posix' | 'fish';

function familyOf(shell: string): Family | undefined {
  const name = shell.split('/').at(-1) ?? '';
  if (POSIX_SHELLS.has(name)) return 'posix';
  return name === 'fish' ? 'fish' : undefined;
}

// printf, not echo: some shells' echo reads options. The marker goes to both streams.
const MARK = `printf '%s\\n' ${RUN_MARKER}; printf '%s\\n' ${RUN_MARKER} >&2`;
const RUN_SCRIPT: Record<Family, string> = {
  posix: `${MARK}; exec "$0" "$@"`,
  fish: `${MARK}; exec $argv`,
};
// The same with stdin read from a file on the server: the file is the first argument (never spliced), and
// the redirect happens after the marker, so the profile never reads it.
const RUN_SCRIPT_STDIN: Record<Family, string> = {
  posix: `${MARK}; f=$0; exec "$@" < "$f"`,
  fish: `${MARK}; exec $argv[2..-1] < $argv[1]`,
};
// Without a login shell: the session's shell does the redirect.
const PLAIN_STDIN_SCRIPT = 'f=$0; exec "$@" < "$f"';

/** The argv prefix that runs `path` through the login shell `shell` (whose family must be known). */
export function loginShellCommand(shell: string, path: string): string[] {
  const family = familyOf(shell) ?? 'posix';
  return [shell, '-l', '-c', RUN_SCRIPT[family], path];
}

/**
 * What a person can paste to run `words` (a constant such as `docker info`, never remote text) as tunnel runs
 * it: through the login shell, so ~/.profile's DOCKER_HOST applies (a plain `ssh host docker info` skips it
 * and may ask another engine). Only the shell's name goes in, from the known set, never its remote path.
 */
export function pasteCommand(host: string, shell: string | undefined, words: string): string {
  if (shell === undefined) return `ssh ${host} ${words}`;
  const name = shell.split('/').at(-1) ?? '';
  const known = familyOf(shell) ? name : 'bash';
  const quoted = words.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/'/g, "'\\''");
  return `ssh ${host} '${known} -lc "${quoted}"'`;
}

/**
 * `env NAME=value…` in front of the program, so the variables win over what the profile set. Only for a
 * program at a path without '=': a shell function or alias (found by name) exists only in the session's shell, where
 * `env` cannot reach it, so it runs with the environment it has (its callers tolerate that).
 */
function envWords(program: Runnable, env: RunOptions['env']): string[] {
  const entries = Object.entries(env ?? {});
  // env would read a path with '=' (/opt/a=b/k3d) as one more assignment and run the next word instead.
  if (entries.length === 0 || !program.path.startsWith('/') || program.path.includes('=')) return [];
  return ['env', ...entries.map(([name, value]) => `${name}=${value}`)];
}

/** The whole argv of one run; `stdinFile` (a file on the server) becomes the program's stdin. */
function runArgv(program: Runnable, args: readonly string[], options: RunOptions): string[] {
  const { stdinFile } = options;
  const pinned = envWords(program, options.env);
  if (program.shell === undefined) {
    const plain = [...pinned, ...program.command, ...args];
    return stdinFile === undefined ? plain : ['sh', '-c', PLAIN_STDIN_SCRIPT, stdinFile, ...plain];
  }
  const family = familyOf(program.shell) ?? 'posix';
  if (stdinFile === undefined) {
    if (pinned.length === 0) return [...program.command, ...args];
    return [program.shell, '-l', '-c', RUN_SCRIPT[family], ...pinned, program.path, ...args];
  }
  return [program.shell, '-l', '-c', RUN_SCRIPT_STDIN[family], stdinFile, ...pinned, program.path, ...args];
}

export interface FindRequest {
  /** A constant of tunnel ('k3d', 'docker'), never remote data. */
  name: string;
  /** Where it may be when no shell's PATH has it ($HOME expands on the server). */
  installPaths: readonly string[];
  /** The user's usable login shell (cached per connection by the caller); undefined = ask the server. */
  loginShell?: () => Promise<string | undefined>;
}

/** What was tried, for the "not found" error. */
export interface FindOutcome {
  program: RemoteProgram | undefined;
  tried: string[];
}

// A login shell's $SHELL as the server reports it: an absolute path of plain characters, or nothing.
const SHELL_PATH = /^\/[A-Za-z0-9._+/-]{1,255}$/;

/**
 * The user's login shell, when tunnel knows how to drive it and it runs a command through its profile (a
 * profile that exits or execs something else makes it unusable): $SHELL as sshd set it from the passwd
 * entry, else the passwd entry itself.
 */
export async function userLoginShell(conn: SshConnection): Promise<string | undefined> {
  const script =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a sh parameter expansion, for the remote shell
    's=${SHELL:-}; [ -n "$s" ] || s=$(getent passwd "$(id -un)" 2>/dev/null | cut -d: -f7); printf \'%s\\n\' "$s"';
  const result = await conn.execShell(script, { timeoutMs: 20_000, maxOutputBytes: 4096 });
  const shell = result.code === 0 ? lastLine(result.stdout) : '';
  if (!SHELL_PATH.test(shell) || familyOf(shell) === undefined) return undefined;
  const probe = await conn.exec(loginShellCommand(shell, 'true'), FIND_OPTIONS);
  return probe.code === 0 && afterMarker(probe.stdout) !== undefined ? shell : undefined;
}

/** The login shells to ask, in order: the user's own (when usable), bash, sh. */
function loginShells(own: string | undefined): string[] {
  const shells = own !== undefined ? [own] : [];
  for (const fallback of ['bash', 'sh']) {
    if (!shells.some((shell) => shell.split('/').at(-1) === fallback)) shells.push(fallback);
  }
  return shells;
}

const FIND_OPTIONS: ExecOptions = { timeoutMs: 30_000, maxOutputBytes: 64 * 1024 };

/** The one find routine (see the file comment). Names are constants of tunnel, never remote data. */
export async function findProgram(conn: SshConnection, request: FindRequest): Promise<FindOutcome> {
  const { name } = request;
  const tried = [`"command -v ${name}" in the SSH session's shell`];
  const viaPath = lastLine(checked(await conn.execShell(`command -v ${name}`, FIND_OPTIONS)));
  // A shell function or alias named like the program: the session's shell runs it by name.
  if (viaPath !== '' && !viaPath.startsWith('/'))
    return { program: { path: name, foundVia: 'PATH', command: [name] }, tried };
  const own = await (request.loginShell ?? (() => userLoginShell(conn)))();
  if (viaPath !== '') return { program: program(viaPath, 'PATH', own), tried };
  for (const shell of loginShells(own)) {
    tried.push(`"${shell} -l -c 'command -v ${name}'"`);
    const result = await conn.exec([shell, '-l', '-c', `command -v ${name}`], FIND_OPTIONS);
    const path = lastAbsolute(checked(result));
    if (path) return { program: program(path, 'login shell', shell), tried };
  }
  if (request.installPaths.length === 0) return { program: undefined, tried };
  tried.push(...request.installPaths.map((candidate) => `test -x ${candidate}`));
  const listed = lastAbsolute(
    checked(await conn.execShell(installPathScript(request.installPaths), FIND_OPTIONS)),
  );
  if (listed) return { program: program(listed, 'install path', own), tried };
  return { program: undefined, tried };
}

/** A program at `path`, run through `shell` (a login shell) when there is one. */
function program(path: string, foundVia: FoundVia, shell: string | undefined): RemoteProgram {
  if (shell === undefined) return { path, foundVia, command: [path] };
  return { path, foundVia, shell, command: loginShellCommand(shell, path) };
}

// One round trip for every install path; the script is a constant, $HOME expands on the server.
function installPathScript(paths: readonly string[]): string {
  const words = paths.map((candidate) => `"${candidate}"`).join(' ');
  return `for p in ${words}; do if test -x "$p"; then printf '%s\\n' "$p"; exit 0; fi; done; exit 1`;
}

function checked(result: ExecResult): string {
  return result.code === 0 && !result.truncated ? result.stdout : '';
}

// Login shells may print banners from profile scripts; the answer is the last absolute path.
function lastAbsolute(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('/'))
    .at(-1);
}

/** What runProgram needs of a program. */
export type Runnable = Pick<RemoteProgram, 'path' | 'command' | 'shell'>;

export interface RunOptions extends ExecOptions {
  /** A file on the dev server that becomes the program's stdin (an argv word, never spliced). */
  stdinFile?: string;
  /** Variables set for the program only, over the login environment's (names and values: tunnel's constants). */
  env?: Readonly<Record<string, string>>;
}

/** Runs the program with `args` as argv words; what a login shell's profile printed is left out. */
export async function runProgram(
  conn: SshConnection,
  program: Runnable,
  args: readonly string[],
  options: RunOptions = {},
): Promise<ExecResult> {
  const { stdinFile, env, ...execOptions } = options;
  const argv = runArgv(program, args, options);
  if (program.shell === undefined) return await conn.exec(argv, execOptions);
  const filters = { stdout: new MarkerFilter(), stderr: new MarkerFilter() };
  const onOutput = options.onOutput;
  const result = await conn.exec(argv, {
    ...execOptions,
    ...(onOutput
      ? {
          onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => {
            const passed = filters[stream].pass(chunk);
            if (passed.length > 0) onOutput(stream, passed);
          },
        }
      : {}),
  });
  const stdout = afterMarker(result.stdout);
  if (stdout === undefined && result.code !== null && !result.truncated)
    throw profileExited(conn, program.shell, program.path);
  return { ...result, stdout: stdout ?? '', stderr: afterMarker(result.stderr) ?? result.stderr };
}

// The login shell exited (or exec'd something else) before it printed the marker: what it printed is the
// profile's, not the program's, so it must not be read as the program's answer.
function profileExited(conn: SshConnection, shell: string, path: string): TunnelError {
  const name = path.split('/').at(-1) ?? path;
  const host = conn.target.alias;
  return new TunnelError(
    'REMOTE_COMMAND',
    `The login shell ${shell} on ${host} did not run ${name}: its profile exited first.`,
    {
      hint: `A profile that runs \`exit\` or \`exec\` stops every command run through it. Check with: ssh ${host} '${shell} -l -c true'`,
    },
  );
}
