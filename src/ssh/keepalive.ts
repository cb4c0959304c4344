// One SSH-level liveness check, as OpenSSH's ServerAliveInterval does it: a `keepalive@openssh.com`
// global request with want-reply. Any reply proves the link, REQUEST_FAILURE included (RFC 4254 §4: a
// server must answer every want-reply global request). No channel, no shell, no process on the server:
// a slow login shell or a busy sshd child cannot make a healthy link look dead.
//
// ssh2 1.17 has no public call for a one-off global request. Its own keepalive (lib/client.js sendKA)
// pushes a callback onto `client._callbacks` and calls `client._protocol.ping()`; the REQUEST_SUCCESS /
// REQUEST_FAILURE handlers shift that queue in order (the server answers global requests in order), and
// on 'close' every queued callback is called with an Error. This hook does exactly that, guarded like
// src/ssh/window.ts: when those internals are not there (another ssh2), it falls back to a public call
// that is also a want-reply global request, `unforwardIn` of a forward we never asked for
// (`cancel-tcpip-forward`; sshd answers REQUEST_FAILURE and changes nothing), and one debug line says so.
import type { Client, Log } from './handshake.js';
import { isObject, ssh2Socket } from './ssh2-internals.js';

/** How the ping ended: the server answered (the link works), or the connection is gone. */
export type PingOutcome = 'answered' | 'not-connected';

/** The parts of ssh2's Client (lib/client.js, 1.17) the hook reads and writes. */
interface ClientInternals {
  _protocol: { ping: () => void };
  _callbacks: ((hadError: unknown) => void)[];
}

/** The listen address of the fallback's cancel request: no forward is ever bound there by us. */
const FALLBACK_ADDRESS = 'tunnel-keepalive.invalid';

let fallbackLogged = false;

/** Why the client cannot take the hook, or undefined when it can. */
function missingInternals(client: unknown): string | undefined {
  if (!isObject(client)) return 'client object';
  if (!Array.isArray(client._callbacks)) return 'client._callbacks';
  if (!isObject(client._protocol) || typeof client._protocol.ping !== 'function') return 'protocol.ping';
  return undefined;
}

/**
 * Sends one keepalive@openssh.com request and resolves when the server answers it ('answered'), or
 * with 'not-connected' when the connection is (or goes) away first. Never rejects, never times out:
 * the caller bounds the wait (an unanswered request stays queued, as ssh2's own keepalives do).
 */
export function pingServer(client: Client, log?: Log): Promise<PingOutcome> {
  const missing = missingInternals(client);
  if (missing !== undefined) return pingThroughCancel(client, missing, log);
  const internals = client as unknown as ClientInternals;
  // ssh2's keepalive does not ping a socket that is no longer writable: no reply could come.
  const sock = ssh2Socket(client);
  if (isObject(sock) && sock.writable === false) return Promise.resolve('not-connected');
  return new Promise((resolve) => {
    // ssh2 calls it with true (REQUEST_FAILURE), false (REQUEST_SUCCESS) or an Error (disconnected).
    const onReply = (hadError: unknown) => resolve(hadError instanceof Error ? 'not-connected' : 'answered');
    try {
      internals._callbacks.push(onReply);
      internals._protocol.ping();
    } catch {
      // Not writable any more (ssh2 throws once the socket is gone): no reply will come for our callback.
      const at = internals._callbacks.lastIndexOf(onReply);
      if (at >= 0) internals._callbacks.splice(at, 1);
      resolve('not-connected');
    }
  });
}

/** The public fallback: `cancel-tcpip-forward` with want-reply; success and failure both answer. */
function pingThroughCancel(client: Client, missing: string, log: Log | undefined): Promise<PingOutcome> {
  if (!fallbackLogged) {
    fallbackLogged = true;
    log?.('debug', `ssh2 internals changed (${missing}); the link check uses cancel-tcpip-forward`, {
      ssh2Missing: missing,
    });
  }
  return new Promise((resolve) => {
    try {
      // Both an answer and a disconnect call back with an Error; the caller tells them apart by whether
      // the connection is still open (ssh2 emits 'close' before it fails the queued callbacks).
      client.unforwardIn(FALLBACK_ADDRESS, 1, () => resolve('answered'));
    } catch {
      resolve('not-connected');
    }
  });
}

/** Tests only: lets the once-per-process fallback debug line be seen again. */
export function resetPingFallbackLog(): void {
  fallbackLogged = false;
}

/** Data postpones ssh2's keepalive at most this often (restarting its timer per 64 KiB chunk would churn). */
const DATA_RESET_EVERY_MS = 1_000;

/**
 * Makes ssh2's own keepalive treat arriving data as an answer, as OpenSSH's client does (packet.c resets
 * keep_alive_timeouts on every packet; clientloop.c reschedules the alive check on any input). ssh2 1.17
 * counts only replies to its pings, and on a busy link those replies queue behind megabytes of channel
 * data: (countMax + 1) × interval later it kills a link that is delivering. Returns the function to call
 * with each chunk read from the socket; a no-op when ssh2's `_resetKA` is not there.
 */
export function keepaliveCountsData(client: Client, now: () => number = Date.now): () => void {
  const reset = (client as unknown as { _resetKA?: unknown })._resetKA;
  if (typeof reset !== 'function') return () => {};
  let lastReset = now();
  return () => {
    const at = now();
    if (at - lastReset < DATA_RESET_EVERY_MS) return;
    lastReset = at;
    reset.call(client);
  };
}
