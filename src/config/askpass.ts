// Which SSH_ASKPASS program answers login questions when no person is at a terminal, decided from the
// environment the way OpenSSH's read_passphrase does (readpass.c): SSH_ASKPASS_REQUIRE=force always
// uses it; `never` never; `prefer` when a display is set; otherwise only without a terminal, and only
// when a display is set (DISPLAY or WAYLAND_DISPLAY). The one rule: the CLI's own questions
// (cli/terminal.ts) and the program a session keeps for the agent's reconnects both come from here.
// Pure: env, the terminal and the file check come in, so the CLI decides once and the agent only
// carries the answer.
import path from 'node:path';

/** Longest askpass path we carry (PATH_MAX on Linux); longer is not a real program path. */
export const MAX_ASKPASS_PATH = 4096;

export interface AskpassInput {
  env: NodeJS.ProcessEnv;
  /** Whether a person can answer at this command's terminal (stdin, and stderr for the prompt). */
  stdinIsTTY: boolean;
  /** The command's working directory, for an SSH_ASKPASS given as a relative path. */
  cwd: string;
  /** True when `file` is an executable file; used to look a bare name up in PATH. */
  isExecutable: (file: string) => boolean;
}

/** The askpass program to use, as an absolute path, or undefined when none is wanted or it cannot be found. */
export function askpassProgram(input: AskpassInput): string | undefined {
  const { env } = input;
  const program = env.SSH_ASKPASS;
  if (!program) return undefined;
  return askpassWanted(env, input.stdinIsTTY) ? absoluteProgram(program, input) : undefined;
}

/** readpass.c: force always; never never; else a display is needed, and prefer or no terminal. */
function askpassWanted(env: NodeJS.ProcessEnv, hasTerminal: boolean): boolean {
  const requirement = (env.SSH_ASKPASS_REQUIRE ?? '').toLowerCase();
  if (requirement === 'force') return true;
  if (requirement === 'never') return false;
  const display = Boolean(env.DISPLAY) || Boolean(env.WAYLAND_DISPLAY);
  return display && (requirement === 'prefer' || !hasTerminal);
}

/**
 * The agent runs the program later from its own directory and PATH, so it gets an absolute path: a path
 * with a slash is taken from the working directory, a bare name is looked up in PATH as execlp would.
 */
function absoluteProgram(program: string, input: AskpassInput): string | undefined {
  if (program.includes('/')) return bounded(path.resolve(input.cwd, program));
  for (const dir of (input.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, program);
    if (input.isExecutable(candidate)) return bounded(candidate);
  }
  return undefined;
}

function bounded(file: string): string | undefined {
  return file.length <= MAX_ASKPASS_PATH && isAskpassPath(file) ? file : undefined;
}

/** An absolute path without control characters, of a sane length: what session options may carry. */
export function isAskpassPath(value: string): boolean {
  return path.isAbsolute(value) && value.length <= MAX_ASKPASS_PATH && !/[\u0000-\u001f\u007f]/.test(value);
}
