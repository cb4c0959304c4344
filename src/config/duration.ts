// Durations as people write them ('45s', '2m', '1m30s', '500ms'; a bare number is milliseconds) and back.
// Pure: used by flags, saved settings and the control protocol's range checks alike.
import { UsageError } from '../errors.js';

export interface DurationLimits {
  minMs: number;
  maxMs: number;
}

// Below 100 ms a timer would spin; above a day a "timeout" is a typo for something else.
export const DURATION_LIMITS: DurationLimits = Object.freeze({ minMs: 100, maxMs: 24 * 60 * 60 * 1000 });

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

const DURATION_HINT =
  'Write a number and a unit: 500ms, 45s, 2m, 1h or 1m30s (a bare number is milliseconds).';

/** Milliseconds in `text`, or undefined when it is not a duration. */
function millisecondsIn(text: string): number | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Each part is a number and a unit, largest units first is not required: '90s' and '1m30s' both work.
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let parts = 0;
  while (part.lastIndex < trimmed.length) {
    const match = part.exec(trimmed);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
    parts += 1;
  }
  return parts > 0 ? Math.round(total) : undefined;
}

/** Names the value in an error: a flag's name ('--hold-timeout'), or a function that places the value. */
export type DurationLabel = string | ((shownValue: string) => string);

/**
 * `text` as whole milliseconds. `label` names where it came from in the error: '--hold-timeout' gives
 * `--hold-timeout 5: …`; a saved setting places the value itself (`setting holdTimeout "5" for devserver: …`).
 */
export function parseDuration(
  text: string,
  label: DurationLabel = 'duration',
  limits: DurationLimits = DURATION_LIMITS,
): number {
  const subject = (shown: string) => (typeof label === 'string' ? `${label} ${shown}` : label(shown));
  const ms = millisecondsIn(text);
  if (ms === undefined) {
    throw new UsageError(`${subject(JSON.stringify(text))}: not a duration`, DURATION_HINT);
  }
  if (ms < limits.minMs || ms > limits.maxMs) {
    // A bare number is milliseconds, which is rarely what "5" meant: say so in the message itself.
    const bare = /^\s*\d+\s*$/.test(text)
      ? `${text.trim()} means ${ms}ms (a bare number is milliseconds); it `
      : '';
    throw new UsageError(
      `${subject(typeof label === 'string' ? text : JSON.stringify(text))}: ${bare}must be from ${formatDuration(limits.minMs)} to ${formatDuration(limits.maxMs)}`,
      DURATION_HINT,
    );
  }
  return ms;
}

/** The shortest exact spelling parseDuration reads back: 45000 → '45s', 90000 → '1m30s', 250 → '250ms'. */
export function formatDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`not a whole number of milliseconds: ${ms}`);
  if (ms === 0) return '0ms';
  let rest = ms;
  let text = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return text;
}
