// `npm run bench -- …`: --help and a typo answer with the usage (no stack trace), and --only runs exactly
// the sections named.
import { describe, expect, it } from 'vitest';
import { HELP, parseBenchArgs, SECTIONS } from '../../../scripts/bench/args.js';

describe('bench command line', () => {
  it('runs every section at full size with no options', () => {
    expect(parseBenchArgs([])).toEqual({ kind: 'run', quick: false, only: new Set(SECTIONS) });
  });

  it('runs only the named sections, reduced with --quick', () => {
    expect(parseBenchArgs(['--quick', '--only', 'throughput,setup-rtt'])).toEqual({
      kind: 'run',
      quick: true,
      only: new Set(['throughput', 'setup-rtt']),
    });
  });

  it('answers --help and -h with a usage that lists every section id', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseBenchArgs(['-h', '--quick'])).toEqual({ kind: 'help' });
    for (const id of SECTIONS) expect(HELP).toContain(id);
    expect(HELP).toContain('--quick');
  });

  it('names an unknown option the way it was typed', () => {
    expect(parseBenchArgs(['--x'])).toEqual({ kind: 'error', message: 'unknown option --x' });
    expect(parseBenchArgs(['--x=3'])).toEqual({ kind: 'error', message: 'unknown option --x' });
  });

  it('refuses a section id it does not know instead of measuring nothing', () => {
    expect(parseBenchArgs(['--only', 'throughput,stup'])).toEqual({
      kind: 'error',
      message: 'unknown section stup in --only',
    });
    expect(parseBenchArgs(['--only', ','])).toEqual({
      kind: 'error',
      message: '--only needs at least one section',
    });
  });

  it('refuses a stray argument and an --only without a value', () => {
    expect(parseBenchArgs(['quick'])).toEqual({ kind: 'error', message: 'unexpected argument quick' });
    expect(parseBenchArgs(['--only'])).toMatchObject({ kind: 'error' });
  });

  it('takes --compare for a run, and --compare with --to for two files without a run', () => {
    expect(parseBenchArgs(['--only', 'throughput', '--compare', 'old.json'])).toEqual({
      kind: 'run',
      quick: false,
      only: new Set(['throughput']),
      compare: 'old.json',
    });
    expect(parseBenchArgs(['--compare', 'a.json', '--to', 'b.json'])).toEqual({
      kind: 'compare',
      before: 'a.json',
      now: 'b.json',
    });
    expect(parseBenchArgs(['--to', 'b.json'])).toEqual({
      kind: 'error',
      message: '--to needs --compare <earlier.json>',
    });
    expect(HELP).toContain('--compare');
  });
});
