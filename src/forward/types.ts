// Per-forward health and counters, as `status` shows them.
import type { Duplex } from 'node:stream';
import type { ForwardSpec } from '../plan/types.js';

export interface ForwardStats {
  /** Connections open right now. */
  open: number;
  /** Connections accepted since the listener started. */
  total: number;
  /** Bytes sent to the dev server / received from it. */
  bytesOut: number;
  bytesIn: number;
  /** Channel opens the dev server refused or that failed (the client connection was closed). */
  failed: number;
  lastError: string | undefined;
  lastErrorAt: string | undefined;
  lastActivityAt: string | undefined;
}

export type ForwardState = 'listening' | 'stopped';

export interface ForwardSnapshot {
  spec: ForwardSpec;
  state: ForwardState;
  stats: ForwardStats;
}

/** Opens a channel to the dev-server end of a forward. Rejects when the dev server refuses. */
export type ChannelOpener = (spec: ForwardSpec, source: { address: string; port: number }) => Promise<Duplex>;

export type ForwardLog = (level: 'info' | 'warn' | 'error', message: string, fields?: object) => void;
