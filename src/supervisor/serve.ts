// The forwarding phase of one connection: wait for it to end while re-discovering on a timer. Ends on
// the connection's own `closed`, on a stop, or when the supervisor declares the link dead (a failed
// probe after sleep or a network change). Never rejects.
import type { Clock, ConnectionEnd, SupervisedConnection } from './ports.js';

export interface ServeOptions {
  clock: Clock;
  connection: SupervisedConnection;
  signal: AbortSignal;
  rediscoverIntervalMs: number;
  /** Runs every rediscoverIntervalMs; the next run is scheduled only after it settles (no overlap). */
  rediscover: () => Promise<void>;
}

export interface Serving {
  ended: Promise<ConnectionEnd>;
  /** Ends the phase with `reason` (no effect once it has ended). */
  declareLost(reason: ConnectionEnd): void;
}

export function serveUntilLost(options: ServeOptions): Serving {
  const { clock, connection, signal } = options;
  let declareLost: (reason: ConnectionEnd) => void = () => {};
  const ended = new Promise<ConnectionEnd>((resolve) => {
    let timer: unknown;
    let done = false;
    const finish = (reason: ConnectionEnd) => {
      if (done) return;
      done = true;
      clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    const onAbort = () => finish({ kind: 'local', message: 'session stopped' });
    declareLost = finish;
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void connection.closed.then(finish);
    const schedule = () => {
      timer = clock.setTimeout(async () => {
        await options.rediscover();
        if (!done) schedule();
      }, options.rediscoverIntervalMs);
    };
    schedule();
  });
  return { ended, declareLost: (reason) => declareLost(reason) };
}
