// The agent side's contract with its request handlers, and a connection's limits and stats: what
// server-connection.ts implements and agent/handlers.ts fills in.
import type { Logger } from '../log.js';
import type { LimitedLog } from './log-limit.js';
import type { AskKind, RequestOf, RequestType, ResponseBodies, WatchUpdate } from './protocol.js';

export interface RequestContext {
  /**
   * Asks the person at the CLI's terminal; undefined when the CLI cannot answer or has gone.
   * instructions: secret/text only (keyboard-interactive's lines before the prompt).
   */
  ask(kind: AskKind, text: string, instructions?: string): Promise<string | boolean | undefined>;
  /** Aborted when the CLI that sent the request disconnects. */
  signal: AbortSignal;
  /**
   * Sends an `update` frame for this request (a watch) before its reply; while the CLI does not read,
   * only the latest one waits. Ignored once the request has been answered.
   */
  push(body: WatchUpdate): void;
}

type HandledType = Exclude<RequestType, 'hello'>;
export type Handlers = {
  [K in HandledType]: (
    request: RequestOf<K>,
    context: RequestContext,
  ) => Promise<ResponseBodies[K]> | ResponseBodies[K];
};

export interface ConnectionLimits {
  /** Requests of one connection running at once; more wait unread. */
  maxInFlight: number;
  /** Reply bytes waiting in the socket's buffer past which we stop reading the connection. */
  highWaterBytes: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxInFlight: 32, highWaterBytes: 256 * 1024 };

export interface ConnectionOptions {
  handlers: Handlers;
  log: Logger;
  agentVersion: string;
  maxLineBytes?: number;
  limits?: ConnectionLimits;
  /** Bad frames are logged through this (shared by the server's connections): rate-limited. */
  badFrameLog: LimitedLog;
}

/** What the agent holds for one connection right now (for tests and diagnostics). */
export interface ConnectionStats {
  queuedLines: number;
  inFlight: number;
  writableBytes: number;
  paused: boolean;
  /** Watch updates waiting for the socket to drain (at most one per watch). */
  heldUpdates: number;
}
