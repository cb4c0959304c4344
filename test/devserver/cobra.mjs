// Just enough of spf13/cobra + pflag for the k3d stand-in: command lookup with aliases, interspersed flags,
// help/usage text in cobra's default templates, and cobra's error behaviour (printed before k3d's FATA).

/** @typedef {{ name: string, short?: string, type?: 'bool'|'string'|'stringArray', usage: string, default?: string }} Flag */

const GLOBAL_FLAGS = [
  { name: 'timestamps', type: 'bool', usage: 'Enable Log timestamps' },
  { name: 'trace', type: 'bool', usage: 'Enable super verbose output (trace logging)' },
  { name: 'verbose', type: 'bool', usage: 'Enable verbose output (debug logging)' },
];

const commandPath = (chain) => chain.map((command) => command.name).join(' ');

/** pflag's FlagUsages: aligned "  -o, --output string   usage" lines, sorted by name. */
function flagUsages(flags) {
  const lines = [...flags]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((flag) => {
      let line = flag.short ? `  -${flag.short}, --${flag.name}` : `      --${flag.name}`;
      if (flag.type === 'string' || flag.type === 'stringArray') line += ` ${flag.type}`;
      const suffix = flag.default ? ` (default "${flag.default}")` : '';
      return { left: line, usage: flag.usage + suffix };
    });
  const width = Math.max(...lines.map((line) => line.left.length)) + 1;
  return lines.map((line) => `${line.left} ${' '.repeat(width - line.left.length)} ${line.usage}`).join('\n');
}

const localFlags = (command) => [
  ...(command.flags ?? []),
  { name: 'help', short: 'h', type: 'bool', usage: `help for ${command.name}` },
];

/** cobra's default usage template. */
export function usageString(chain) {
  const command = chain.at(-1);
  const path = commandPath(chain);
  const subcommands = Object.values(command.children ?? {}).filter((child) => !child.hidden);
  const parts = ['Usage:'];
  if (command.run) parts.push(`  ${path}${command.use ? ` ${command.use}` : ''} [flags]`);
  if (subcommands.length > 0) parts.push(`  ${path} [command]`);
  if (command.aliases?.length)
    parts.push('', 'Aliases:', `  ${[command.name, ...command.aliases].join(', ')}`);
  if (subcommands.length > 0) {
    const padding = Math.max(11, ...subcommands.map((child) => child.name.length));
    parts.push('', 'Available Commands:');
    for (const child of [...subcommands].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      parts.push(`  ${child.name.padEnd(padding)} ${child.short ?? ''}`);
    }
  }
  const local = chain.length === 1 ? [...localFlags(command), ...GLOBAL_FLAGS] : localFlags(command);
  parts.push('', 'Flags:', flagUsages(local));
  if (chain.length > 1) parts.push('', 'Global Flags:', flagUsages(GLOBAL_FLAGS));
  if (subcommands.length > 0)
    parts.push('', `Use "${path} [command] --help" for more information about a command.`);
  return `${parts.join('\n')}\n`;
}

/** cobra's help template: Long (or Short), a blank line, then the usage. */
export function helpString(chain) {
  const command = chain.at(-1);
  return `${(command.long ?? command.short ?? '').trimEnd()}\n\n${usageString(chain)}`;
}

function levenshtein(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggestions(command, typed) {
  const found = Object.values(command.children ?? {})
    .filter((child) => !child.hidden)
    .filter(
      (child) =>
        levenshtein(typed.toLowerCase(), child.name) <= 2 || child.name.startsWith(typed.toLowerCase()),
    )
    .map((child) => `\t${child.name}\n`);
  return found.length > 0 ? `\n\nDid you mean this?\n${found.join('')}` : '';
}

function findChild(command, word) {
  return Object.values(command.children ?? {}).find(
    (child) => child.name === word || child.aliases?.includes(word),
  );
}

/**
 * Resolves argv against the command tree. Returns { chain, args, flags } or { error, chain, kind } where kind is
 * 'command' (cobra prints Error + "Run '... --help' for usage.") or 'flag' (Error + full usage).
 */
export function parse(root, argv) {
  const chain = [root];
  const args = [];
  const flags = {};
  const known = () => [...localFlags(chain.at(-1)), ...GLOBAL_FLAGS];
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index];
    if (word === '--') {
      args.push(...argv.slice(index + 1));
      break;
    }
    if (word.startsWith('-') && word !== '-') {
      const long = word.startsWith('--');
      const [rawName, inlineValue] = long
        ? word.slice(2).split(/=(.*)/s)
        : [word.slice(1, 2), word.length > 2 ? word.slice(2).replace(/^=/, '') : undefined];
      const flag = known().find((candidate) =>
        long ? candidate.name === rawName : candidate.short === rawName,
      );
      if (!flag) {
        return {
          chain,
          kind: 'flag',
          error: long ? `unknown flag: --${rawName}` : `unknown shorthand flag: '${rawName}' in ${word}`,
        };
      }
      if (flag.type === 'string' || flag.type === 'stringArray') {
        const value = inlineValue ?? argv[++index];
        if (value === undefined)
          return { chain, kind: 'flag', error: `flag needs an argument: --${flag.name}` };
        // pflag's StringArray collects every occurrence; a String keeps the last.
        flags[flag.name] = flag.type === 'stringArray' ? [...(flags[flag.name] ?? []), value] : value;
      } else flags[flag.name] = inlineValue === undefined ? true : inlineValue === 'true';
      continue;
    }
    const child = args.length === 0 ? findChild(chain.at(-1), word) : undefined;
    if (child) chain.push(child);
    else if (chain.length === 1 && root.children) {
      return {
        chain,
        kind: 'command',
        error: `unknown command "${word}" for "${root.name}"${suggestions(root, word)}`,
      };
    } else args.push(word);
  }
  return { chain, args, flags };
}

export { commandPath };
