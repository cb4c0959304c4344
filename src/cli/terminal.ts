// Questions for the person at the terminal (unknown host key, key passphrase). Offered only when stdin
// and stderr are terminals: a piped or scripted run must fail clearly instead of waiting on /dev/tty.
import type { Interaction } from '../devserver/connect.js';
import { askPassphrase, askYesNo } from './prompt.js';

export function terminalInteraction(): Interaction {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return {};
  return { confirm: askYesNo, askPassphrase };
}
