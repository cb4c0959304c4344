// `npm run bench -- --compare <earlier.json>`: the ratios two runs share, side by side with the change, so a
// regression is one command away; a file that is not a results document is refused saying why; and the real
// script compares two files without starting anything.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compareRatios,
  parseResults,
  type ResultsDoc,
  renderComparison,
  sizeWarning,
} from '../../../scripts/bench/compare.js';

const throughput = (down: number, cpu: number): ResultsDoc['sections'][number] => ({
  id: 'throughput-0ms',
  columns: ['path', 'down MiB/s', 'client CPU s/GiB'],
  rows: [
    ['tunnel', 400 * down, 2],
    ['ssh', 400, 2 / cpu],
    ['ratio tunnel/ssh', down, cpu],
  ],
});
const services = (setup: number): ResultsDoc['sections'][number] => ({
  id: 'services',
  columns: ['path', 'setup p50 ms', 'setup ratio vs host port'],
  rows: [
    ['host port', 2.3, 1],
    ['node address', 1.7, setup],
  ],
});

describe('comparing two bench runs', () => {
  it('pairs every ratio the runs share: ratio rows, and ratio columns', () => {
    const before: ResultsDoc = { sections: [throughput(0.86, 1.39), services(0.72)] };
    const now: ResultsDoc = {
      sections: [throughput(1.02, 1.1), services(0.7), { id: 'ui', columns: [], rows: [] }],
    };
    const changes = compareRatios(before, now);
    expect(changes).toEqual([
      {
        section: 'throughput-0ms',
        row: 'ratio tunnel/ssh',
        column: 'down MiB/s',
        before: 0.86,
        now: 1.02,
        change: expect.closeTo(0.186, 3),
      },
      {
        section: 'throughput-0ms',
        row: 'ratio tunnel/ssh',
        column: 'client CPU s/GiB',
        before: 1.39,
        now: 1.1,
        change: expect.closeTo(-0.209, 3),
      },
      {
        section: 'services',
        row: 'host port',
        column: 'setup ratio vs host port',
        before: 1,
        now: 1,
        change: 0,
      },
      {
        section: 'services',
        row: 'node address',
        column: 'setup ratio vs host port',
        before: 0.72,
        now: 0.7,
        change: expect.closeTo(-0.028, 3),
      },
    ]);
    const table = renderComparison(changes, { before: 'old.json', now: 'this run' });
    expect(table).toContain('| throughput-0ms | ratio tunnel/ssh | down MiB/s | 0.86 | 1.02 | +18.6% |');
    expect(table).toContain('| throughput-0ms | ratio tunnel/ssh | client CPU s/GiB | 1.39 | 1.1 | −20.9% |');
  });

  it('warns when a quick run is compared with a full one', () => {
    const quick = { quick: true, sections: [throughput(0.6, 2.4)] };
    const full = { quick: false, sections: [throughput(1, 1)] };
    const warning = sizeWarning(full, quick);
    expect(warning).toContain('one run is --quick and the other full');
    expect(renderComparison(compareRatios(full, quick), { before: 'a', now: 'b', warning })).toContain(
      warning,
    );
    expect(sizeWarning(full, { ...full })).toBeUndefined();
  });

  it('says so when the runs share no ratio (different --only)', () => {
    const text = renderComparison(
      compareRatios({ sections: [services(1)] }, { sections: [throughput(1, 1)] }),
      {
        before: 'old.json',
        now: 'this run',
      },
    );
    expect(text).toContain('No ratio in common with old.json');
  });

  it('refuses a file that is not a results document, saying what is missing', () => {
    expect(parseResults('{')).toEqual({ error: 'it is not JSON' });
    expect(parseResults('{"date":"x"}')).toEqual({
      error: 'it has no "sections" list (not a bench/results file)',
    });
    expect(parseResults('{"sections":[{"id":"x"}]}')).toEqual({
      error: 'a section lacks its id, columns or rows',
    });
  });
});

describe('npm run bench -- --compare a.json --to b.json', () => {
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function bench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
    return new Promise((resolve) => {
      execFile(tsx, ['scripts/bench/run.ts', ...args], { cwd: ROOT }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  }

  it('prints the ratio changes between two files and measures nothing', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bench-compare-'));
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    fs.writeFileSync(a, JSON.stringify({ sections: [throughput(0.86, 1.39)] }));
    fs.writeFileSync(b, JSON.stringify({ sections: [throughput(1.02, 1.1)] }));
    const result = await bench(['--compare', a, '--to', b]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| ratio tunnel/ssh | down MiB/s | 0.86 | 1.02 | +18.6% |');
    expect(result.stdout).not.toContain('## tunnel bench');
  });

  it('refuses a missing or foreign file before any run, with the usage', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bench-compare-'));
    const foreign = path.join(dir, 'package.json');
    fs.writeFileSync(foreign, '{"name":"x"}');
    const missing = await bench(['--compare', path.join(dir, 'nope.json'), '--only', 'throughput']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: cannot read .*nope\.json: ENOENT\nhint: usage: npm run bench/);
    const wrong = await bench(['--compare', foreign, '--to', foreign]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('is not a bench results file: it has no "sections" list');
  });
});
