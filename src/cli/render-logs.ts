// Pure: one line of the agent's JSON log in, one line for a person out. The log file is ours but may
// be damaged (a full disk cuts a line short) or hand-edited, so anything unexpected is shown as-is.
import { LOG_CORE_KEYS, parseJsonObject } from '../log-follower.js';
import { type RenderOptions, safeText } from './render.js';

export interface LogEntry {
  time: Date;
  level: string;
  message: string;
  /** The ssh alias of the session the line is about; absent on agent-wide lines. */
  host: string | undefined;
  /** Everything else on the line, in file order. */
  fields: [string, unknown][];
}

export interface RenderLogOptions extends RenderOptions {
  /** Pad the host column to this width, so a screenful of lines lines up. */
  hostWidth?: number;
}

// Colour by severity, so warnings and errors stand out in a long follow.
const LEVEL_COLORS: Record<string, string> = { error: '31', warn: '33', info: '32', debug: '90' };

const paint = (on: boolean, code: string | undefined, text: string) =>
  on && code ? `\x1b[${code}m${text}\x1b[0m` : text;

/** A log entry, or undefined for a line without a valid time, a level and a message. */
export function parseLogLine(line: string): LogEntry | undefined {
  const object = parseJsonObject(line);
  if (!object) return undefined;
  const { time, level, message, host } = object;
  if (typeof time !== 'string' || typeof level !== 'string' || typeof message !== 'string') return undefined;
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return undefined;
  const fields = Object.entries(object).filter(
    ([key]) => !LOG_CORE_KEYS.has(key) || (key === 'host' && typeof host !== 'string'),
  );
  return { time: date, level, message, host: typeof host === 'string' ? host : undefined, fields };
}

/** The host a line is about, for `tunnel logs <host>`; undefined for agent-wide and unreadable lines. */
export function hostOfLine(line: string): string | undefined {
  const host = parseJsonObject(line)?.host;
  return typeof host === 'string' ? host : undefined;
}

const two = (value: number) => String(value).padStart(2, '0');

/** 2026-11-24 10:42:01.123 in this machine's time zone: the clock the reader compares it with. */
export function formatLocalTime(date: Date): string {
  const day = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
  const clock = `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  return `${day} ${clock}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

/** A field value as the reader can take it apart again: quoted when it has spaces or quotes in it. */
export function formatFieldValue(value: unknown): string {
  if (typeof value === 'string') {
    const plain = value.length > 0 && !/[\s"=\\]/.test(value);
    return safeText(plain ? value : JSON.stringify(value));
  }
  return safeText(JSON.stringify(value) ?? String(value));
}

export function renderLogEntry(entry: LogEntry, options: RenderLogOptions): string {
  const level = safeText(entry.level);
  const parts = [
    paint(options.color, '2', formatLocalTime(entry.time)),
    paint(options.color, LEVEL_COLORS[entry.level], level.toUpperCase().padEnd(5)),
    safeText(entry.host ?? '-').padEnd(options.hostWidth ?? 0),
    safeText(entry.message),
  ];
  const fields = entry.fields.map(([key, value]) => `${safeText(key)}=${formatFieldValue(value)}`);
  if (fields.length > 0) parts.push(paint(options.color, '2', fields.join(' ')));
  return parts.join('  ');
}

/** Any line of the log file, rendered; never throws. */
export function renderLogLine(line: string, options: RenderLogOptions): string {
  const entry = parseLogLine(line);
  return entry ? renderLogEntry(entry, options) : safeText(line);
}

/**
 * A raw line for `--json`: the JSON as written, with the C1 control characters (which JSON allows
 * unescaped inside strings, and which a terminal would obey) written as \u escapes of the same value.
 */
export function safeJsonLine(line: string): string {
  return line.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
