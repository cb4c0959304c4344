// How help and usage errors read: what commander prints by default that a user would stumble over.
import { Help, type HelpConfiguration, type Option } from 'commander';

const plainHelp = new Help();

/**
 * Help without `(default: [])`: a repeatable option starts from an empty list, which is an implementation
 * detail; each such option's description says what "none given" means instead.
 */
export const helpConfiguration: HelpConfiguration = {
  optionDescription(option: Option): string {
    const text = plainHelp.optionDescription(option);
    const emptyList = Array.isArray(option.defaultValue) && option.defaultValue.length === 0;
    return emptyList ? text.replace(/ ?\(default: \[\]\)/, '') : text;
  },
};

/**
 * What to add after commander's "unknown option" error, or undefined. `-p` is what `ssh -p` users type;
 * tunnel takes the port where ssh's own config keeps it, or from an ssh:// target (ssh -G reads both).
 */
export function unknownOptionHint(argv: readonly string[], message: string): string | undefined {
  if (!/unknown option '(-p|--port)(=[^']*)?'/.test(message)) return undefined;
  const flag = argv.findIndex((arg) => arg === '-p' || arg === '--port' || arg.startsWith('--port='));
  const given = flag === -1 ? undefined : (argv[flag]!.split('=')[1] ?? argv[flag + 1]);
  const port = given !== undefined && /^\d{1,5}$/.test(given) ? given : '2222';
  return (
    `  hint: the SSH port belongs in your ssh config (Port ${port} under the Host entry in ~/.ssh/config),\n` +
    `        or in the target itself: tunnel connect ssh://user@host:${port}\n`
  );
}
