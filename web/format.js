// @ts-check
// Numbers, names and log lines as the Ports page words them: sizes in binary units, spans for people,
// names cut to a bound. Pure (no DOM, no clock: `now` comes in), shared by model.js and traffic.js, unit-tested
// as served (test/unit/web/model.test.ts).

/** Longer than any valid `namespace/name:port`: only a lying API gets cut (as cli/render-via.ts does). */
const NAME_LENGTH = 140;

/** @typedef {import('../src/ui/types.js').LogLineEvent} LogLineEvent */

/** @param {unknown} text */
export function cut(text) {
  const s = String(text ?? '');
  return s.length <= NAME_LENGTH ? s : `${s.slice(0, NAME_LENGTH - 1)}…`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; whole bytes below 1 KiB. @param {number} bytes */
export function formatBytes(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** @param {number} bytesPerSecond */
export function formatRate(bytesPerSecond) {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** A span for people: "4 s", "3 min", "2 h 5 min", "3 d". @param {number} ms */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "3 min" since an ISO time, or "" when it does not parse. @param {string | null | undefined} iso @param {number} now */
export function since(iso, now) {
  const t = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(t) ? '' : formatDuration(now - t);
}

/** A log line's parts, its time as the local HH:MM:SS. @param {LogLineEvent} line */
export function logLineView(line) {
  const t = line.time ? new Date(line.time) : null;
  const time = t && !Number.isNaN(t.getTime()) ? t.toTimeString().slice(0, 8) : '';
  const level = line.level ?? '';
  const tone = level === 'error' ? 'bad' : level === 'warn' ? 'warn' : 'quiet';
  const text = [line.host ? `[${line.host}]` : '', line.message, line.fields].filter(Boolean).join(' ');
  return { time, level, tone, text: text.slice(0, 2048) };
}
