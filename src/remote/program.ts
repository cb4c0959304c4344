// A program on the dev server (k3d, docker), found once and then always run in the environment it was
// found in. The one find routine: the SSH session's PATH (what `ssh host k3d` runs), then the user's login
// shell (PATH and variables such as DOCKER_HOST or DOCKER_CONTEXT often live in ~/.profile), then bash and
// sh as login shells, then the usual install paths. A program a login shell found is run through that
// login shell, so what the profile sets applies to it as it would in the user's terminal.
// Every word is an argv word (the SSH layer quotes it); the scripts are constants taking "$0" "$@".
import type { ExecOptions, ExecResult, SshConnection } from '../ssh/types.js';

export type FoundVia = 'PATH' | 'login shell' | 'install path';

export interface RemoteProgram {
  /** Where it is on the dev server, for people: `/home/dev/.local/bin/k3d`. */
  path: string;
  foundVia: FoundVia;
  /** The login shell that found it and runs it (foundVia 'login shell'). */
  shell?: string;
  /** The argv prefix that runs it: `[path]`, or the login shell around it. */
  command: string[];
}

/** Printed by the login shell just before it execs the program: what its profile printed comes before. */
export const RUN_MARKER = 'tunnel-run-7c1f2a';

/** Shells whose `-c` takes `$0` and `$@` as sh does, and that read a profile with `-l`. */
const POSIX_SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ksh93', 'ash', 'yash']);

type Family = 'posix' | 'fish';

function familyOf(shell: string): Family | undefined {
  const name = shell.split('/').at(-1) ?? '';
  if (POSIX_SHELLS.has(name)) return 'posix';
  return name === 'fish' ? 'fish' : undefined;
}

// printf, not echo: some shells' echo reads options. The marker goes to both streams.
const RUN_SCRIPT: Record<Family, string> = {
  posix: `printf '%s\\n' ${RUN_MARKER}; printf '%s\\n' ${RUN_MARKER} >&2; exec "$0" "$@"`,
  fish: `printf '%s\\n' ${RUN_MARKER}; printf '%s\\n' ${RUN_MARKER} >&2; exec $argv`,
};

/** The argv prefix that runs `path` through the login shell `shell` (whose family must be known). */
export function loginShellCommand(shell: string, path: string): string[] {
  const family = familyOf(shell) ?? 'posix';
  return [shell, '-l', '-c', RUN_SCRIPT[family], path];
}

export interface FindRequest {
  /** A constant of tunnel ('k3d', 'docker'), never remote data. */
  name: string;
  /** Where it may be when no shell's PATH has it ($HOME expands on the server). */
  installPaths: readonly string[];
  /** The user's login shell (cached per connection by the caller); undefined = ask the server. */
  loginShell?: () => Promise<string | undefined>;
}

/** What was tried, for the "not found" error. */
export interface FindOutcome {
  program: RemoteProgram | undefined;
  tried: string[];
}

// A login shell's $SHELL as the server reports it: an absolute path of plain characters, or nothing.
const SHELL_PATH = /^\/[A-Za-z0-9._+/-]{1,255}$/;

/** The user's login shell: $SHELL as sshd set it from the passwd entry, else the passwd entry itself. */
export async function userLoginShell(conn: SshConnection): Promise<string | undefined> {
  const script =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a sh parameter expansion, for the remote shell
    's=${SHELL:-}; [ -n "$s" ] || s=$(getent passwd "$(id -un)" 2>/dev/null | cut -d: -f7); printf \'%s\\n\' "$s"';
  const result = await conn.execShell(script, { timeoutMs: 20_000, maxOutputBytes: 4096 });
  const shell = result.code === 0 ? lastLine(result.stdout) : undefined;
  return shell !== undefined && SHELL_PATH.test(shell) ? shell : undefined;
}

/** The login shells to ask, in order: the user's own (when tunnel knows how to drive it), bash, sh. */
function loginShells(own: string | undefined): string[] {
  const shells = own !== undefined && familyOf(own) !== undefined ? [own] : [];
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
  if (viaPath?.startsWith('/')) return found({ path: viaPath, foundVia: 'PATH', command: [viaPath] }, tried);
  // A shell function or alias named like the program: the session's shell runs it by name.
  if (viaPath) return found({ path: name, foundVia: 'PATH', command: [name] }, tried);
  const own = await (request.loginShell ?? (() => userLoginShell(conn)))();
  for (const shell of loginShells(own)) {
    tried.push(`"${shell} -l -c 'command -v ${name}'"`);
    const result = await conn.exec([shell, '-l', '-c', `command -v ${name}`], FIND_OPTIONS);
    const path = lastAbsolute(checked(result));
    if (path)
      return found({ path, foundVia: 'login shell', shell, command: loginShellCommand(shell, path) }, tried);
  }
  if (request.installPaths.length === 0) return { program: undefined, tried };
  tried.push(...request.installPaths.map((candidate) => `test -x ${candidate}`));
  const listed = lastAbsolute(
    checked(await conn.execShell(installPathScript(request.installPaths), FIND_OPTIONS)),
  );
  if (listed) return found({ path: listed, foundVia: 'install path', command: [listed] }, tried);
  return { program: undefined, tried };
}

function found(program: RemoteProgram, tried: string[]): FindOutcome {
  return { program, tried };
}

// One round trip for every install path; the script is a constant, $HOME expands on the server.
function installPathScript(paths: readonly string[]): string {
  const words = paths.map((candidate) => `"${candidate}"`).join(' ');
  return `for p in ${words}; do if test -x "$p"; then printf '%s\\n' "$p"; exit 0; fi; done; exit 1`;
}

function checked(result: ExecResult): string {
  return result.code === 0 && !result.truncated ? result.stdout : '';
}

function lastLine(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .at(-1);
}

// Login shells may print banners from profile scripts; the answer is the last absolute path.
function lastAbsolute(stdout: string): string | undefined {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('/'))
    .at(-1);
}

/** Runs the program with `args` as argv words; what a login shell's profile printed is left out. */
export async function runProgram(
  conn: SshConnection,
  program: Pick<RemoteProgram, 'command' | 'shell'>,
  args: readonly string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  if (program.shell === undefined) return await conn.exec([...program.command, ...args], options);
  const filters = { stdout: new MarkerFilter(), stderr: new MarkerFilter() };
  const onOutput = options.onOutput;
  const result = await conn.exec([...program.command, ...args], {
    ...options,
    ...(onOutput
      ? {
          onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => {
            const passed = filters[stream].pass(chunk);
            if (passed.length > 0) onOutput(stream, passed);
          },
        }
      : {}),
  });
  return { ...result, stdout: afterMarker(result.stdout), stderr: afterMarker(result.stderr) };
}

/** The text after the marker line; all of it when the shell never got as far as printing the marker. */
export function afterMarker(text: string): string {
  const line = `${RUN_MARKER}\n`;
  if (text.startsWith(line)) return text.slice(line.length);
  const at = text.indexOf(`\n${line}`);
  return at === -1 ? text : text.slice(at + 1 + line.length);
}

/** The streaming side of afterMarker: holds chunks back until the marker line went by. */
class MarkerFilter {
  private held = '';
  private open = false;

  pass(chunk: Buffer): Buffer {
    if (this.open) return chunk;
    this.held += chunk.toString('latin1');
    const rest = afterMarker(this.held);
    if (rest === this.held) {
      // Keep only what could still be the start of the marker line.
      if (this.held.length > 64 * 1024) this.held = this.held.slice(-(RUN_MARKER.length + 2));
      return Buffer.alloc(0);
    }
    this.open = true;
    this.held = '';
    return Buffer.from(rest, 'latin1');
  }
}
