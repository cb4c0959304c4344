// `tunnel doctor` as text (pure): one line per check (✓ pass, ! warning, ✗ failure, - skipped), its detail
// lines and hint below, then a summary. Lines can be rendered one at a time, as the checks finish.
import type { CheckResult, CheckStatus, DoctorReport } from '../doctor/types.js';
import { paint, safeText } from './render.js';

export interface DoctorRenderOptions {
  color: boolean;
  /** Width of the title column: the longest title of the checks that will be shown. */
  titleWidth: number;
}

const MARKS: Record<CheckStatus, { mark: string; color: string }> = {
  pass: { mark: '✓', color: '32' },
  warn: { mark: '!', color: '33' },
  fail: { mark: '✗', color: '31' },
  skip: { mark: '-', color: '2' },
};

export function renderCheck(result: CheckResult, options: DoctorRenderOptions): string {
  const { mark, color } = MARKS[result.status];
  const indent = ' '.repeat(options.titleWidth + 4);
  const [first = '', ...rest] = result.detail.split('\n').map(safeText);
  const head = result.status === 'skip' ? `skipped: ${first}` : first;
  const title = result.title.padEnd(options.titleWidth);
  const lines = [`${paint(options.color, color, mark)} ${title}  ${head}`.trimEnd()];
  lines.push(...rest.map((line) => `${indent}${line}`));
  if (result.hint) {
    const [hint = '', ...more] = result.hint.split('\n').map(safeText);
    lines.push(`${indent}${paint(options.color, '2', `hint: ${hint}`)}`);
    lines.push(...more.map((line) => `${indent}${paint(options.color, '2', `      ${line}`)}`));
  }
  return lines.join('\n');
}

export function renderSummary(report: DoctorReport, options: { color: boolean }): string {
  const count = (status: CheckStatus) => report.checks.filter((check) => check.status === status).length;
  const parts = [
    [count('fail'), 'failed'],
    [count('warn'), count('warn') === 1 ? 'warning' : 'warnings'],
    [count('skip'), 'skipped'],
    [count('pass'), 'passed'],
  ]
    .filter(([number]) => number !== 0)
    .map(([number, word]) => `${number} ${word}`);
  const host = safeText(report.host);
  const verdict = report.ok
    ? paint(options.color, '32', `${host} is ready for tunnel connect ${host}`)
    : paint(options.color, '31', `fix the first ✗ above, then run: tunnel doctor ${host}`);
  return `${parts.join(', ')}: ${verdict}`;
}

/** The whole report at once (what the streaming output adds up to). */
export function renderDoctor(report: DoctorReport, options: DoctorRenderOptions): string {
  return [
    `tunnel doctor ${safeText(report.host)}`,
    '',
    ...report.checks.map((check) => renderCheck(check, options)),
    '',
    renderSummary(report, options),
  ].join('\n');
}
