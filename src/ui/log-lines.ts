// Pure: one line of the agent's log file → what the page's log pane shows. Lines quote names from the
// dev server and may be damaged or hand-edited: each part is bounded here, and the page sets it as text.
import { LOG_CORE_KEYS, parseJsonObject } from '../log-follower.js';
import type { LogLineEvent } from './types.js';

export const MAX_LOG_LINE_CHARS = 2048;
/** Lines in one `log` event at most, the note included: as many as the page's pane keeps. */
export const MAX_LOG_BATCH = 500;

const bound = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** key=value, quoted (as JSON) when a value has spaces, quotes or is not a string. */
function fieldsText(object: Record<string, unknown>): string {
  return Object.entries(object)
    .filter(([key]) => !LOG_CORE_KEYS.has(key))
    .map(([key, value]) => {
      const plain = typeof value === 'string' && value.length > 0 && !/[\s"=\\]/.test(value);
      return `${key}=${plain ? value : (JSON.stringify(value) ?? String(value))}`;
    })
    .join(' ');
}

/** A JSON line of the agent's, or any other line shown as its text (time and level null). */
export function logLineEvent(raw: string): LogLineEvent {
  const line = bound(raw, MAX_LOG_LINE_CHARS * 4);
  const object = parseJsonObject(line);
  const text = (key: string) => (typeof object?.[key] === 'string' ? (object[key] as string) : null);
  const time = text('time');
  const message = text('message');
  if (!object || time === null || message === null || Number.isNaN(new Date(time).getTime())) {
    return { time: null, level: null, host: null, message: bound(raw, MAX_LOG_LINE_CHARS), fields: '' };
  }
  const host = text('host');
  return {
    time,
    level: text('level') === null ? null : bound(text('level')!, 16),
    host: host === null ? null : bound(host, 256),
    message: bound(message, MAX_LOG_LINE_CHARS),
    fields: bound(fieldsText(object), MAX_LOG_LINE_CHARS),
  };
}

/**
 * One read's lines as one event: the newest MAX_LOG_BATCH − 1, after a note saying how many earlier
 * ones are left out (a burst, or a tab that stopped reading for a while). The pane keeps 500 lines, so
 * more would only push the note out; the file keeps them all.
 */
export function logBatch(lines: string[]): LogLineEvent[] {
  if (lines.length <= MAX_LOG_BATCH) return lines.map(logLineEvent);
  const shown = lines.slice(-(MAX_LOG_BATCH - 1));
  const left = lines.length - shown.length;
  const note = `… ${left} earlier lines not shown (\`tunnel logs\` has them)`;
  return [{ time: null, level: null, host: null, message: note, fields: '' }, ...shown.map(logLineEvent)];
}
