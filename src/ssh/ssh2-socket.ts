// The stream ssh2's Client reads and writes: its private `_sock` (a net.Socket it dialed, or the `sock`
// stream we gave it for ProxyCommand/ProxyJump). The one place that reaches for it: callers check what
// they get (a net.Socket, a Writable) and keep ssh2's own behaviour when it is not there.
export function ssh2Socket(client: object): unknown {
  return (client as { _sock?: unknown })._sock;
}
