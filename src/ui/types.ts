// The Ports page's contract: what the page hears on its event streams and what its actions return,
// and the one port the page server needs of the agent (AgentLink), so ui/ never opens the control
// socket itself: the command hands it a link built on control/client. Part of issue 15's design; the
// page (web/) reads exactly these shapes, and docs/ui.md documents them.
import type { StatusDocument } from '../control/status-document.js';

/** `event: status` on /<token>/events: the agent's whole status document, newest first to last. */
export interface StatusEvent {
  /** The agent's update counter for this watch (restarts at 1 when the page server reconnects). */
  seq: number;
  document: StatusDocument;
}

/**
 * `event: agent` on /<token>/events: whether the page server holds a watch on the agent.
 * up: updates flow. connecting: trying to reach it (at start, or again after it went away).
 * gone: no agent answers on the control socket; message says why, hint what to run.
 */
export type AgentEvent =
  | { state: 'connecting'; since: string }
  | { state: 'up'; since: string; pid: number; version: string }
  | { state: 'gone'; since: string; message: string; hint: string };

/**
 * `event: refused` on /<token>/events (or /log) past the cap on streams: the one event the stream
 * carries before it ends, with `retry: 60000` so the browser does not knock again at once. The page
 * closes that EventSource for good and shows this, never "tunnel ui stopped" (the server is fine).
 */
export interface RefusedEvent {
  message: string;
  hint: string;
}

/** One line of the agent's log as the page shows it (`event: log` on /<token>/log carries a batch). */
export interface LogLineEvent {
  /** ISO time, or null for a line that is not one of the agent's JSON lines (shown as text). */
  time: string | null;
  level: string | null;
  host: string | null;
  message: string;
  /** The other fields, rendered `key=value`, bounded. */
  fields: string;
}
export interface LogEvent {
  lines: LogLineEvent[];
}

/** POST /<token>/api/<action> with a JSON body {host}. */
export type UiAction = 'reconnect' | 'disconnect';

/** The answer to an action: 200 with ok, or an error status with what happened and what to run. */
export type ActionReply = { ok: true; message: string } | { ok: false; message: string; hint: string | null };

/** A watch on the agent's status: updates until the agent goes away or cancel() is called. */
export interface AgentWatch {
  /** Resolves when the watch ends: the agent closed it or went away (the reason is the rejection). */
  readonly ended: Promise<void>;
  cancel(): void;
}

/** The page server's view of the agent (built by the command on control/client; faked in unit tests). */
export interface AgentLink {
  /** A watch on the agent, or undefined when no agent runs. Never starts an agent. */
  watch(
    onUpdate: (event: StatusEvent) => void,
  ): Promise<{ watch: AgentWatch; pid: number; version: string } | undefined>;
  /** The session re-reads its clusters now, or (while reconnecting) retries now: control `rediscover`. */
  reconnect(host: string): Promise<{ refreshed: boolean }>;
  /** Stops the host's session and removes its contexts: control `disconnect`. */
  disconnect(host: string): Promise<void>;
}
