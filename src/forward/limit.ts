// The per-forward connection limit: Node's server.maxConnections closes a connection past it at accept
// (its 'drop' event); this says so, in the forward's last error each time and in the log at most once
// per REFUSED_LOG_INTERVAL_MS with the count since the last line, so a flood cannot flood the log.
import type net from 'node:net';
import { DEFAULT_MAX_CONNECTIONS, type ForwardLog, REFUSED_LOG_INTERVAL_MS } from './types.js';

export interface LimitOptions {
  server: net.Server;
  forwardId: string;
  maxConnections: number | undefined;
  log: ForwardLog;
  recordError: (message: string) => void;
  now?: () => number;
}

export function limitConnections(options: LimitOptions): void {
  const { server, log, recordError } = options;
  const now = options.now ?? Date.now;
  const limit = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  let refusedSinceLog = 0;
  let loggedAt = Number.NEGATIVE_INFINITY;
  server.maxConnections = limit;
  server.on('drop', () => {
    recordError(`refused a connection: ${limit} already open, the limit for one forward`);
    refusedSinceLog += 1;
    if (now() - loggedAt < REFUSED_LOG_INTERVAL_MS) return;
    log('warn', `refused ${refusedSinceLog} new connection(s): ${limit} already open on this forward`, {
      forward: options.forwardId,
      maxConnections: limit,
    });
    refusedSinceLog = 0;
    loggedAt = now();
  });
}
