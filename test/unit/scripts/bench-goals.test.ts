// The bench's goals table: every row judged against OpenSSH at its best in the same run (the better of
// `ssh -L` and `ssh -L -c aes128-gcm`, which one depending on the row), plus the two absolute goals.
import { describe, expect, it } from 'vitest';
import type { ResultsSection } from '../../../scripts/bench/compare.js';
import { goalsSection } from '../../../scripts/bench/goals.js';

const throughput: ResultsSection = {
  id: 'throughput-0ms',
  columns: ['path', 'down MiB/s', 'up MiB/s', 'client CPU s/GiB', 'sshd CPU s/GiB'],
  rows: [
    ['tunnel', 476, 552, 1.56, 1.2],
    ['ssh', 389, 350, 1.87, 2],
    ['ssh-gcm', 551, 464, 1.13, 1.3],
    ['ratio tunnel/ssh', 1.22, 1.58, 0.83, 0.6],
  ],
};
const setup: ResultsSection = {
  id: 'setup-0ms',
  columns: ['path', 'p50 ms', 'p99 ms', 'max ms'],
  rows: [
    ['tunnel', 0.63, 2.5, 8],
    ['ssh', 0.61, 2.24, 7],
    ['ssh-gcm', 0.6, 2.3, 6],
  ],
};
const recovery: ResultsSection = {
  id: 'recovery-20ms',
  columns: ['path', 'median ms', 'max ms', 'all'],
  rows: [
    ['tunnel', 556, 2242, '500, 2242'],
    ['autossh -M 0 ServerAliveInterval=2 CountMax=2', 2325, 2375, ''],
  ],
};
const footprint: ResultsSection = {
  id: 'footprint',
  columns: ['measure', 'tunnel (ssh2)', 'tunnel-openssh'],
  rows: [['agent RSS idle (no session), MiB', 48.2, 49]],
};

const row = (label: string) =>
  goalsSection([throughput, setup, recovery, footprint])?.rows.find((r) => r[0] === label);

describe('the goals table', () => {
  it('compares tunnel with the faster OpenSSH cipher of the same run, whichever it is', () => {
    expect(row('single stream down, bare')).toEqual([
      'single stream down, bare',
      476,
      '551 (ssh-gcm)',
      0.86,
      '≥ 1',
      'NOT MET',
    ]);
    expect(row('single stream up, bare')).toEqual([
      'single stream up, bare',
      552,
      '464 (ssh-gcm)',
      1.19,
      '≥ 1',
      'met',
    ]);
  });

  it('takes the lower value as the best where lower is better (CPU, latency)', () => {
    expect(row('client CPU per GiB, bare')?.slice(2)).toEqual(['1.13 (ssh-gcm)', 1.38, '≤ 1', 'NOT MET']);
    expect(row('new connection p50, bare')?.slice(2)).toEqual(['0.6 (ssh-gcm)', 1.05, '≤ 1', 'NOT MET']);
    expect(row('new connection p99, bare')?.slice(2)).toEqual(['2.24 (ssh)', 1.12, '≤ 1.2', 'met']);
  });

  it('judges the unrounded ratio: 0.4% worse than OpenSSH is NOT MET, and shown so (not as 1)', () => {
    const close: ResultsSection = {
      ...throughput,
      rows: [
        ['tunnel', 498, 502, 1.004, 1],
        ['ssh', 400, 350, 2, 2],
        ['ssh-gcm', 500, 500, 1, 1],
      ],
    };
    const rows = goalsSection([close])?.rows ?? [];
    const byLabel = (label: string) => rows.find((r) => r[0] === label)?.slice(2);
    expect(byLabel('single stream down, bare')).toEqual(['500 (ssh-gcm)', 0.996, '≥ 1', 'NOT MET']);
    expect(byLabel('single stream up, bare')).toEqual(['500 (ssh-gcm)', 1, '≥ 1', 'met']);
    expect(byLabel('client CPU per GiB, bare')).toEqual(['1 (ssh-gcm)', 1.004, '≤ 1', 'NOT MET']);
  });

  it('judges recovery and idle memory by their absolute goals', () => {
    expect(row('recovery, +20 ms, max')?.slice(1)).toEqual([2242, '', '', '≤ 1000 ms', 'NOT MET']);
    expect(row('agent RSS idle')?.slice(1)).toEqual([48.2, '', '', '≤ 50 MiB', 'met']);
  });

  it('lists only the rows whose sections ran, and nothing at all without one', () => {
    expect(goalsSection([setup])?.rows.map((r) => r[0])).toEqual([
      'new connection p50, bare',
      'new connection p99, bare',
    ]);
    expect(goalsSection([{ id: 'ui', columns: [], rows: [] }])).toBeUndefined();
  });

  it('skips a row whose OpenSSH side did not run or measured nothing', () => {
    const onlyTunnel: ResultsSection = { ...setup, rows: [['tunnel', 0.63, 2.5, 8]] };
    expect(goalsSection([onlyTunnel])).toBeUndefined();
  });
});
