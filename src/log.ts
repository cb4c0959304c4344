// Structured log lines (JSON, one per line) for the background process; a human line on stderr in
// the foreground. Never given secrets: callers pass messages and plain fields only.
import fs from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string, fields?: object) => void;

export function fileLogger(file: string, base: object = {}): Logger {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return (level, message, fields) => {
    const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...fields });
    try {
      fs.appendFileSync(file, `${line}\n`, { mode: 0o600 });
    } catch {
      // A full disk must not take the forwards down; the log line is lost.
    }
  };
}

export function stderrLogger(verbose: boolean): Logger {
  return (level, message) => {
    if (level === 'debug' && !verbose) return;
    if (level === 'info' && !verbose) return;
    process.stderr.write(`${level === 'info' || level === 'debug' ? '' : `${level}: `}${message}\n`);
  };
}

export const silentLogger: Logger = () => {};
