// The goals a bench run is judged by (issue 16: "faster than OpenSSH at its best, on every row"), read
// from the run's own sections. Each ratio row compares tunnel with the better of the two `ssh -L` paths
// of the same run (default cipher and aes128-gcm), so a row is met only when tunnel beats OpenSSH at its
// best; two rows are absolute (recovery behind a 20 ms relay, the idle agent's RSS). Pure: sections in,
// a section out (id "goals"), so it is printed, kept in the JSON and compared like any other.
import type { ResultsSection } from './compare.js';

type Better = 'higher' | 'lower';

interface RatioGoal {
  label: string;
  section: string;
  column: string;
  better: Better;
  goal: number;
}

interface AbsoluteGoal {
  label: string;
  section: string;
  row: string;
  column: string;
  goal: number;
  unit: string;
}

const RATIO_GOALS: RatioGoal[] = [
  {
    label: 'single stream down, bare',
    section: 'throughput-0ms',
    column: 'down MiB/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: 'single stream up, bare',
    section: 'throughput-0ms',
    column: 'up MiB/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: 'client CPU per GiB, bare',
    section: 'throughput-0ms',
    column: 'client CPU s/GiB',
    better: 'lower',
    goal: 1,
  },
  {
    label: 'single stream down, +20 ms',
    section: 'throughput-20ms',
    column: 'down MiB/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: 'single stream up, +20 ms',
    section: 'throughput-20ms',
    column: 'up MiB/s',
    better: 'higher',
    goal: 1,
  },
  { label: 'new connection p50, bare', section: 'setup-0ms', column: 'p50 ms', better: 'lower', goal: 1 },
  { label: 'new connection p99, bare', section: 'setup-0ms', column: 'p99 ms', better: 'lower', goal: 1.2 },
  { label: 'new connection p50, +20 ms', section: 'setup-20ms', column: 'p50 ms', better: 'lower', goal: 1 },
  {
    label: '8 parallel downloads, bare',
    section: 'parallel-0ms',
    column: 'aggregate down MiB/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: '8 parallel downloads, +20 ms',
    section: 'parallel-20ms',
    column: 'aggregate down MiB/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: 'HTTP keep-alive, 64 clients, bare',
    section: 'http-0ms',
    column: 'requests/s',
    better: 'higher',
    goal: 1,
  },
  {
    label: 'HTTP keep-alive, 64 clients, +20 ms',
    section: 'http-20ms',
    column: 'requests/s',
    better: 'higher',
    goal: 1,
  },
];

const ABSOLUTE_GOALS: AbsoluteGoal[] = [
  {
    label: 'recovery, +20 ms, max',
    section: 'recovery-20ms',
    row: 'tunnel',
    column: 'max ms',
    goal: 1000,
    unit: 'ms',
  },
  {
    label: 'agent RSS idle',
    section: 'footprint',
    row: 'agent RSS idle (no session), MiB',
    column: 'tunnel (ssh2)',
    goal: 50,
    unit: 'MiB',
  },
];

const OPENSSH = ['ssh', 'ssh-gcm'];

function cell(section: ResultsSection, row: string, column: string): number | undefined {
  const index = section.columns.indexOf(column);
  const found = section.rows.find((r) => r[0] === row)?.[index];
  return index > 0 && typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');

function ratioRow(section: ResultsSection, goal: RatioGoal): (string | number)[] | undefined {
  const tunnel = cell(section, 'tunnel', goal.column);
  const rivals = OPENSSH.map((p) => [p, cell(section, p, goal.column)] as const).filter(
    (r): r is readonly [string, number] => r[1] !== undefined && r[1] > 0,
  );
  if (tunnel === undefined || rivals.length === 0) return undefined;
  const pick = goal.better === 'higher' ? Math.max : Math.min;
  const bestValue = pick(...rivals.map((r) => r[1]));
  const best = rivals.find((r) => r[1] === bestValue)!;
  const ratio = tunnel / best[1];
  const judge = (r: number) => (goal.better === 'higher' ? r >= goal.goal : r <= goal.goal);
  // Judged on the unrounded ratio: rounded to 2 decimals, a tunnel 0.4% worse (0.996, 1.004) read 1.00, met.
  const met = judge(ratio);
  const sign = goal.better === 'higher' ? '≥' : '≤';
  const shown = displayed(ratio, (r) => judge(r) === met);
  return [goal.label, tunnel, `${best[1]} (${best[0]})`, shown, `${sign} ${goal.goal}`, verdict(met)];
}

/** The ratio to 2 decimals, or to as many more as it takes not to contradict its verdict (0.996, not 1). */
function displayed(ratio: number, agrees: (rounded: number) => boolean): number {
  for (let digits = 2; digits <= 6; digits++) {
    const rounded = Number(ratio.toFixed(digits));
    if (agrees(rounded)) return rounded;
  }
  return ratio;
}

function absoluteRow(section: ResultsSection, goal: AbsoluteGoal): (string | number)[] | undefined {
  const value = cell(section, goal.row, goal.column);
  if (value === undefined) return undefined;
  return [goal.label, value, '', '', `≤ ${goal.goal} ${goal.unit}`, verdict(value <= goal.goal)];
}

/** The goals this run has the sections for, one row each; undefined when it has none of them. */
export function goalsSection(
  sections: readonly ResultsSection[],
): (ResultsSection & { title: string }) | undefined {
  const byId = new Map(sections.map((s) => [s.id, s]));
  const rows: (string | number)[][] = [];
  for (const goal of RATIO_GOALS) {
    const section = byId.get(goal.section);
    const row = section && ratioRow(section, goal);
    if (row) rows.push(row);
  }
  for (const goal of ABSOLUTE_GOALS) {
    const section = byId.get(goal.section);
    const row = section && absoluteRow(section, goal);
    if (row) rows.push(row);
  }
  if (rows.length === 0) return undefined;
  return {
    id: 'goals',
    title:
      'Goals: tunnel against OpenSSH at its best (the better of ssh -L and ssh -L -c aes128-gcm in this run)',
    columns: ['row', 'tunnel', 'OpenSSH at its best', 'ratio', 'goal', 'verdict'],
    rows,
  };
}
