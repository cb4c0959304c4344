// Questions for the person at the terminal (unknown host key, key passphrase, a login's passwords and
// one-time codes). Offered only when stdin and stderr are terminals: a piped or scripted run must fail
// clearly instead of waiting on /dev/tty. SSH_ASKPASS takes them instead when OpenSSH would use it
// (SSH_ASKPASS_REQUIRE=force, or no terminal and a display): the same program answers `ssh` and tunnel.
import { askpassProgram } from '../config/askpass.js';
import { askpassInteraction } from '../devserver/askpass.js';
import type { Interaction } from '../devserver/connect.js';
import { isExecutableFile } from './connect-settings.js';
import { askPassphrase, askSecret, askYesNo } from './prompt.js';

export function terminalInteraction(env: NodeJS.ProcessEnv = process.env): Interaction {
  const hasTerminal = Boolean(process.stdin.isTTY && process.stderr.isTTY);
  const program = askpassProgram({
    env,
    stdinIsTTY: hasTerminal,
    cwd: process.cwd(),
    isExecutable: isExecutableFile,
  });
  if (program) return askpassInteraction(program, env);
  if (!hasTerminal) return {};
  return { confirm: askYesNo, askPassphrase, askSecret };
}
