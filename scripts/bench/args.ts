// The bench's command line, parsed purely so a typo (`--qiuck`, `--only throughput,stup`) ends in a one-line
// error and the usage instead of node's ERR_PARSE_ARGS_UNKNOWN_OPTION stack trace, or a bench that silently
// measures nothing. run.ts prints the result and exits; this file never touches the process.
import { parseArgs } from 'node:util';

/** The measurements, in the order run.ts runs them; `--only` takes any of these. */
export const SECTIONS = [
  'throughput',
  'setup',
  'footprint',
  'rss-nonreading',
  'parallel',
  'http',
  'recovery',
  'throughput-rtt',
  'setup-rtt',
  'parallel-rtt',
  'http-rtt',
  'recovery-rtt',
  'services',
  'ui',
] as const;
export type Measure = (typeof SECTIONS)[number];

export const USAGE =
  'usage: npm run bench -- [--quick] [--only <section>[,<section>…]] [--compare <earlier.json> [--to <later.json>]] [--help]';

export const HELP = [
  USAGE,
  '',
  '  --quick           every measurement, reduced (about 30 s instead of about 4½ minutes)',
  '  --only <ids>      comma-separated sections to run (default: all); the -rtt ones add 20 ms of round trip',
  '  --compare <file>  after the run, its ratios next to those of an earlier bench/results/*.json',
  '  --to <file>       with --compare: compare these two results files only, without running anything',
  '  --help            this text',
  '',
  `sections: ${SECTIONS.join(', ')}`,
  '',
].join('\n');

export type BenchArgs =
  | { kind: 'run'; quick: boolean; only: Set<Measure>; compare?: string }
  | { kind: 'compare'; before: string; now: string }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

/** What `npm run bench -- <argv>` asks for; an error carries the line to print before the usage. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values: { quick?: boolean; only?: string; help?: boolean; compare?: string; to?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        compare: { type: 'string' },
        to: { type: 'string' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: argError(error) };
  }
  if (values.help === true) return { kind: 'help' };
  if (values.to !== undefined) {
    if (values.compare === undefined)
      return { kind: 'error', message: '--to needs --compare <earlier.json>' };
    return { kind: 'compare', before: values.compare, now: values.to };
  }
  const only = values.only?.split(',').filter(Boolean) ?? [...SECTIONS];
  const unknown = only.filter((id) => !(SECTIONS as readonly string[]).includes(id));
  if (unknown.length > 0)
    return { kind: 'error', message: `unknown section ${unknown.join(', ')} in --only` };
  if (only.length === 0) return { kind: 'error', message: '--only needs at least one section' };
  const run = { kind: 'run' as const, quick: values.quick === true, only: new Set(only as Measure[]) };
  return values.compare === undefined ? run : { ...run, compare: values.compare };
}

/** node's parseArgs messages are long and name its own API; say what the user typed instead. */
function argError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = message.match(/'([^']+)'/)?.[1] ?? message;
    return `unknown option ${option}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = message.match(/'([^']+)'/)?.[1] ?? message;
    return `unexpected argument ${word}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return message.split('\n')[0] ?? message;
  return message;
}
