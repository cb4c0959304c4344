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
  /** Connections accepted while the session was down and waiting (paused) for it to come back. */
  held: number;
  /** Held connections closed because the session did not come back within the hold timeout. */
  heldTimedOut: number;
  /** Connections that were carrying data when the SSH connection under them went away. */
  dropped: number;
  lastError: string | undefined;
  lastErrorAt: string | undefined;
  lastActivityAt: string | undefined;
  /** The last check of the dev-server end (a channel opened, or was refused); undefined = not checked. */
  remoteAnswers: boolean | undefined;
  remoteCheckedAt: string | undefined;
  remoteError: string | undefined;
}

/** Counters of a forward that has seen nothing yet. */
export function emptyStats(): ForwardStats {
  return {
    open: 0,
    total: 0,
    bytesIn: 0,
    bytesOut: 0,
    failed: 0,
    held: 0,
    heldTimedOut: 0,
    dropped: 0,
    lastError: undefined,
    lastErrorAt: undefined,
    lastActivityAt: undefined,
    remoteAnswers: undefined,
    remoteCheckedAt: undefined,
    remoteError: undefined,
  };
}

/** Where a forward's connections go, in a message's words. */
export function remoteEnd(spec: ForwardSpec): string {
  if (spec.via?.kind === 'pod') return `a pod of ${spec.via.namespace}/${spec.via.service}:${spec.via.port}`;
  return `${spec.remoteHost}:${spec.remotePort}`;
}

/** A refused channel open: the dev server refused a TCP end, or the API's pod port-forward failed. */
export function openFailure(spec: ForwardSpec): string {
  if (spec.via?.kind !== 'pod') return `dev server refused ${remoteEnd(spec)}`;
  return `pod port-forward to ${spec.via.namespace}/${spec.via.service}:${spec.via.port} failed`;
}

export type ForwardState = 'listening' | 'stopped';

export interface ForwardSnapshot {
  spec: ForwardSpec;
  state: ForwardState;
  stats: ForwardStats;
}

/** Opens a channel to the dev-server end of a forward. Rejects when the dev server refuses. */
export type ChannelOpener = (spec: ForwardSpec, source: { address: string; port: number }) => Promise<Duplex>;

/** The SSH layer marks open failures the server never answered (timeout, connection gone). */
export function isLinkFailure(error: unknown): boolean {
  return (error as { linkDown?: unknown } | undefined)?.linkDown === true;
}

export type ForwardLog = (level: 'info' | 'warn' | 'error', message: string, fields?: object) => void;

export interface ListenerOptions {
  /** How long a connection accepted while the session is down waits for it; default DEFAULT_HOLD_TIMEOUT_MS (config/defaults.ts). */
  holdTimeoutMs?: number;
  /**
   * Called when a channel open has had no answer for stallAfterMs: on a link that died silently a
   * client waits here first, long before keepalives notice, so the session should check the link now.
   */
  onStall?: (spec: ForwardSpec) => void;
  /** Default 2 s: a healthy dev server answers a channel open in one round trip. */
  stallAfterMs?: number;
  /** Connections open at once on this forward; more are refused (closed at accept). Default 4096. */
  maxConnections?: number;
  /** Told the bytes a closing connection left unsent (its client stopped reading); see reclaim.ts. */
  onLeftBehind?: (bytes: number) => void;
  /**
   * Told whenever the counters move: accept, close, held, failed, a remote check, an error, and every
   * data chunk (so it must be cheap: the agent's status feed sets a flag and arms a timer once).
   */
  onActivity?: () => void;
}

/**
 * Per forward. Memory per connection is bounded by the SSH window (src/ssh/window.ts windowBudget);
 * this bounds file descriptors and channels. Above the 2,000-client bursts a load test put on one
 * forward; below the 16,384 channels at which sshd drops the whole SSH connection (OpenSSH channels.h
 * CHANNELS_MAX_CHANNELS, a fatal), so one runaway client cannot take every other forward down with it.
 */
export const DEFAULT_MAX_CONNECTIONS = 4096;

/** A refused connection is logged at most this often (with the count since the last line). */
export const REFUSED_LOG_INTERVAL_MS = 60_000;

export const DEFAULT_STALL_AFTER_MS = 2_000;

/** How soon a client whose channel failed with the link is tried again (on the then current link). */
export const LINK_RETRY_MS = 1_000;

/**
 * Local sockets buffer up to this much before reporting backpressure (Node's default is 16 KiB): one 64 KiB
 * read from the SSH socket carries two 32 KiB payloads, and both should leave in one coalesced writev.
 */
export const LOCAL_HIGH_WATER_MARK = 256 * 1024;
