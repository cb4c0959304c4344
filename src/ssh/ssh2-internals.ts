// Reaching into ssh2's private objects, for the hooks that change its behaviour (window.ts, padding.ts,
// keepalive.ts) and the checks that read its socket (handshake.ts, connection.ts). Callers check what they
// get and keep ssh2's own behaviour when it is not there.

/** An object whose fields we may read (ssh2's internals are plain objects and class instances). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The stream ssh2's Client reads and writes: its private `_sock` (a net.Socket it dialed, or the `sock`
 * stream we gave it for ProxyCommand/ProxyJump). The one place that reaches for it.
 */
export function ssh2Socket(client: object): unknown {
  return (client as { _sock?: unknown })._sock;
}
