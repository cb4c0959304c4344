// Structured log lines (JSON, one per line) for the background process; a human line on stderr in
// the foreground. Never given secrets: callers pass messages and plain fields only. Messages and fields
// may still quote the dev server (an error's text), so every string is redacted here as a last guard.
import fs from 'node:fs';
import path from 'node:path';
import { escapeControls, logText } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, fields?: object) => void;

export interface RotatingLogOptions {
  /** Rotate before a line would take the file past this size. */
  maxBytes?: number;
  /** How many old files to keep (agent.log.1 … agent.log.<keep>). */
  keep?: number;
  /** Fields on every line (e.g. the session's `host`). */
  base?: object;
}

export const DEFAULT_LOG_MAX_BYTES = 5 * 1024 * 1024;
export const DEFAULT_LOG_KEEP = 3;

/** An Error's own properties are not enumerable, so JSON.stringify would write `{}`: write its message. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return logText(value);
  if (value instanceof Error) return logText(value.message);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One JSON line. The core keys win over fields of the same name, so `tunnel logs` can rely on them. */
export function formatLogLine(level: LogLevel, message: string, base: object, fields?: object): string {
  const core = { time: new Date().toISOString(), level, message };
  try {
    return `${JSON.stringify(Object.assign({ ...core, ...base, ...fields }, core), jsonValue)}\n`;
  } catch (error) {
    // A circular field must cost the fields, not the line (and never an exception in the caller).
    const logError = `fields not serializable: ${error instanceof Error ? error.message : String(error)}`;
    return `${JSON.stringify(Object.assign({ ...core, ...base, logError }, core), jsonValue)}\n`;
  }
}

export function fileLogger(file: string, base: object = {}): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return (level, message, fields) => {
    try {
      fs.appendFileSync(file, formatLogLine(level, message, base, fields), { mode: 0o600 });
    } catch {
      // A full disk must not take the forwards down; the log line is lost.
    }
  };
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch {
    // Not there yet (fewer old files than `keep`): nothing to shift.
  }
}

/** agent.log.2 → agent.log.3 … agent.log → agent.log.1; the oldest is overwritten by the rename. */
function rotate(file: string, keep: number): void {
  if (keep < 1) {
    fs.rmSync(file, { force: true });
    return;
  }
  for (let index = keep - 1; index >= 1; index--) renameIfPresent(`${file}.${index}`, `${file}.${index + 1}`);
  renameIfPresent(file, `${file}.1`);
}

function append(file: string, line: string): void {
  try {
    fs.appendFileSync(file, line, { mode: 0o600 });
  } catch (error) {
    // Someone removed the log directory under a running agent: make it again and retry once.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.appendFileSync(file, line, { mode: 0o600 });
  }
}

/**
 * A file logger that rotates by size. The size is read from the file on every line rather than
 * counted here, because several processes (the agent, its sessions) may append to the same file.
 * Never throws: a full disk or a vanished directory costs log lines, never the forwards.
 */
export function rotatingFileLogger(file: string, options: RotatingLogOptions = {}): Logger {
  const maxBytes = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const keep = options.keep ?? DEFAULT_LOG_KEEP;
  const base = options.base ?? {};
  return (level, message, fields) => {
    try {
      const line = formatLogLine(level, message, base, fields);
      const size = sizeOf(file);
      // An empty file is never rotated, so a single line longer than maxBytes is still written.
      if (size > 0 && size + Buffer.byteLength(line) > maxBytes) rotate(file, keep);
      append(file, line);
    } catch {
      // The line is lost; logging must not be the reason the agent stops.
    }
  };
}

/** A terminal line: what the dev server put in a message cannot move the cursor, set the clipboard or fake a line. */
export function stderrLogger(verbose: boolean): Logger {
  return (level, message) => {
    if (level === 'debug' && !verbose) return;
    if (level === 'info' && !verbose) return;
    process.stderr.write(
      `${level === 'info' || level === 'debug' ? '' : `${level}: `}${escapeControls(logText(message))}\n`,
    );
  };
}

export const silentLogger: Logger = () => {};
