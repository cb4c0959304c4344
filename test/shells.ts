// Which shells this machine has, for tests that run a generated line through every shell a user may
// have (sh, bash, zsh, fish). .ci/run installs all four; a test skips a missing one and says so.
import { execFileSync } from 'node:child_process';

/** The path of `shell` on PATH, or undefined when it is not installed. */
export function whichShell(shell: string): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${shell}`])
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
}
