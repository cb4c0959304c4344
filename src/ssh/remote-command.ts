// How an argv travels to the dev server: sshd runs the exec request's string through the user's login
// shell, so the string must mean the same argv in sh, bash, zsh and fish. Pure; no I/O.
import { TunnelError } from '../errors.js';

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX sh quoting: bare when only safe characters, else single quotes with `'\''` for each `'`. */
export function shellQuote(word: string): string {
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function quoteArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

// Bytes that pass through every layer below unchanged: bare in sh double quotes, in a printf format, and
// inside single quotes in sh, bash, zsh and fish. Every other byte travels as a printf octal escape.
const PLAIN_BYTE = /^[A-Za-z0-9_.,:/=@+-]$/;

function encodeWord(word: string): string {
  if (word.includes('\0')) {
    throw new TunnelError(
      'REMOTE_COMMAND',
      'A remote command argument contains a NUL byte, which no command can receive.',
    );
  }
  let encoded = '';
  for (const byte of Buffer.from(word, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += PLAIN_BYTE.test(char) ? char : `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return `"${encoded}"`;
}

/**
 * The command string for an SSH exec request, which sshd runs as `$SHELL -c <string>` with the user's
 * login shell: sh, bash, zsh, but also fish (where `\'` inside single quotes is an escape, so POSIX
 * quoting breaks out). So the string is one fixed shape, `exec /bin/sh -c '<script>'`, whose
 * script holds no `'` and no backslash pair: the same in every one of those shells. /bin/sh then rebuilds
 * each word from printf octal escapes (the trailing x keeps a final newline) and execs the argv as given.
 */
export function remoteCommand(argv: readonly string[]): string {
  const words = argv.map(encodeWord).join(' ');
  // biome-ignore lint/suspicious/noTemplateCurlyInString: sh parameter expansions, for the remote shell
  const decode = 'b=$(printf "x${a}x"); b=${b#x}; set -- "$@" "${b%x}"';
  return `exec /bin/sh -c 'set --; for a in ${words}; do ${decode}; done; exec "$@"'`;
}

const REMOTE_COMMAND_SHAPE =
  /^exec \/bin\/sh -c 'set --; for a in ((?:"[^"]*" ?)*); do [^']*; done; exec "\$@"'$/;

/** The argv a remoteCommand() string carries, or undefined for any other string (for in-process servers). */
export function decodeRemoteCommand(command: string): string[] | undefined {
  const words = REMOTE_COMMAND_SHAPE.exec(command)?.[1];
  if (words === undefined) return undefined;
  return [...words.matchAll(/"([^"]*)"/g)].map((match) => {
    const bytes = (match[1] ?? '').replace(/\\([0-7]{3})/g, (_all, octal: string) =>
      String.fromCharCode(Number.parseInt(octal, 8)),
    );
    return Buffer.from(bytes, 'latin1').toString('utf8');
  });
}
