// A log line that a peer can trigger at will (a garbage frame on the control socket) must not flood
// the log: rotation would push the history someone needs out of agent.log within seconds. The first
// one is written; then at most one line per interval, carrying how many were left out since.
import type { Logger, LogLevel } from '../log.js';

export interface LimitedLog {
  (fields: object): void;
  /** Writes the count of lines left out since the last one, if any (at shutdown). */
  flush(): void;
}

export interface LimitedLogOptions {
  level: LogLevel;
  message: string;
  intervalMs?: number;
  /** Injected in tests; Date.now by default. */
  now?: () => number;
}

export const DEFAULT_LOG_INTERVAL_MS = 10_000;

export function limitedLog(log: Logger, options: LimitedLogOptions): LimitedLog {
  const intervalMs = options.intervalMs ?? DEFAULT_LOG_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let lastAt: number | undefined;
  let leftOut = 0;
  const write = (fields: object) => {
    const extra =
      leftOut > 0 ? { leftOut, note: `${leftOut} more left out of the log since the last one` } : {};
    log(options.level, options.message, { ...fields, ...extra });
    lastAt = now();
    leftOut = 0;
  };
  const limited = (fields: object) => {
    if (lastAt === undefined || now() - lastAt >= intervalMs) write(fields);
    else leftOut++;
  };
  limited.flush = () => {
    if (leftOut > 0) write({});
  };
  return limited;
}
