// `npm run bench -- --compare <earlier.json>`: the ratios of this run next to an earlier run's, so a
// regression shows in one command. Pure: two results documents (bench/results/*.json) in, rows out. A
// ratio is a row whose label starts with "ratio " (tunnel/ssh, per column) or a column whose name has
// "ratio" in it (the services section): the figures each section already judges itself by. Higher or
// lower is better depending on the column (MiB/s up, CPU s/GiB down), so the change is shown signed and
// left to the reader rather than guessed.

export interface ResultsSection {
  id: string;
  title?: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface ResultsDoc {
  date?: string;
  quick?: boolean;
  sections: ResultsSection[];
}

export interface RatioChange {
  section: string;
  row: string;
  column: string;
  before: number;
  now: number;
  /** (now − before) / before, or null when before is 0. */
  change: number | null;
}

/** A results document read from JSON text, or why it is not one (the message names the field). */
export function parseResults(text: string): ResultsDoc | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: 'it is not JSON' };
  }
  const sections = (value as { sections?: unknown } | null)?.sections;
  if (!Array.isArray(sections)) return { error: 'it has no "sections" list (not a bench/results file)' };
  const good = sections.filter(
    (s): s is ResultsSection =>
      typeof s?.id === 'string' && Array.isArray(s.columns) && Array.isArray(s.rows),
  );
  if (good.length !== sections.length) return { error: 'a section lacks its id, columns or rows' };
  return { ...(value as ResultsDoc), sections: good };
}

const isRatio = (row: string, column: string) => row.startsWith('ratio ') || /ratio/i.test(column);

function cells(section: ResultsSection): Map<string, number> {
  const found = new Map<string, number>();
  for (const row of section.rows) {
    const label = String(row[0]);
    section.columns.forEach((column, i) => {
      const value = row[i];
      if (i > 0 && typeof value === 'number' && isRatio(label, column))
        found.set(`${label}\n${column}`, value);
    });
  }
  return found;
}

/** Every ratio present in both runs, in the order of the newer run. */
export function compareRatios(before: ResultsDoc, now: ResultsDoc): RatioChange[] {
  const earlier = new Map(before.sections.map((s) => [s.id, cells(s)]));
  const changes: RatioChange[] = [];
  for (const section of now.sections) {
    const old = earlier.get(section.id);
    if (!old) continue;
    for (const [key, value] of cells(section)) {
      const was = old.get(key);
      if (was === undefined) continue;
      const [row = '', column = ''] = key.split('\n');
      const change = was === 0 ? null : (value - was) / was;
      changes.push({ section: section.id, row, column, before: was, now: value, change });
    }
  }
  return changes;
}

const percent = (change: number | null) =>
  change === null ? 'n/a' : `${change >= 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(1)}%`;

/** A warning when one run is --quick and the other is not: a quick run's 32 MiB is mostly warm-up. */
export function sizeWarning(before: ResultsDoc, now: ResultsDoc): string | undefined {
  if (before.quick === undefined || now.quick === undefined || before.quick === now.quick) return undefined;
  return 'note: one run is --quick and the other full: quick sizes are mostly start-up and JIT warm-up, so compare like with like.';
}

/** A markdown table of the changes (or a sentence when the runs share no ratio). */
export function renderComparison(
  changes: RatioChange[],
  label: { before: string; now: string; warning?: string },
): string {
  if (changes.length === 0) {
    return `No ratio in common with ${label.before}: run the same sections (--only) to compare.\n`;
  }
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    `### Ratios against ${label.before}`,
    '',
    ...(label.warning ? [label.warning, ''] : []),
    line(['section', 'row', 'column', label.before, label.now, 'change']),
    line(['---', '---', '---', '---', '---', '---']),
    ...changes.map((c) => line([c.section, c.row, c.column, c.before, c.now, percent(c.change)])),
    '',
  ].join('\n');
}
