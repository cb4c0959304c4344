// Turns ssh2's connection-phase errors into TunnelErrors with a hint. Classifies by ssh2's
// `level` and Node's `code`, never by message text.
//
// A connection closed (or reset) before the server sent a byte reached nothing that speaks SSH: through
// a TCP proxy or port forward that accepts first, it is how "sshd is down" looks (OpenSSH says
// "kex_exchange_identification: Connection closed by remote host"). Such an error carries a cause with
// code NO_SSH_IDENT, which the supervisor retries as cheaply as a refusal (retry-policy.ts). Only when
// ssh2 dialed the TCP itself: a ProxyCommand or ProxyJump stream that closes so may have cost a login.
import { Socket } from 'node:net';
import { type AddressKind, addressKind } from '../address-kind.js';
import { TunnelError } from '../errors.js';
import { remoteText, stderrLines } from '../redact.js';
import type { SshTarget } from './types.js';

/** ssh2 tags errors with `level` (client-socket, client-timeout, handshake, protocol, …). */
export interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
  /** The peer a failed connect() aimed at: Node sets it on every connect error (node:net). */
  address?: string;
  /** Node's system call that failed ('connect' for a connect error). */
  syscall?: string;
}

/** What else mapConnectError needs to know besides the error. */
export interface ConnectErrorContext {
  /** A ProxyCommand's stderr so far. */
  proxyStderr?: string;
  platform?: NodeJS.Platform;
  /** ssh2 dialed the TCP itself, it connected, and the server has sent nothing (silentPeer). */
  beforeIdent?: boolean;
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens on that port (is sshd running?)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  EHOSTUNREACH: 'no route to the host (VPN down?)',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the TCP connection timed out',
  ECONNRESET: 'the connection was reset during the handshake',
};

/** The code of the cause of a connect error that ended before the server identified itself as SSH. */
export const NO_SSH_IDENT = 'ENOSSHIDENT';

let saidNoSocket = false;

/**
 * After ssh2's 'connect': whether the server has sent nothing at all yet, read from the TCP socket ssh2
 * dialed (`_sock`, as CheckHostIP reads it). Zero bytes, not "no SSH-2.0 line": a server that sent
 * anything (garbage, an HTTP reply) is not this cheap case. Undefined, with one debug line, when ssh2
 * keeps no net.Socket there: then nothing is classified as closed before the banner.
 */
export function silentPeer(client: object, log?: (message: string) => void): (() => boolean) | undefined {
  const sock = (client as { _sock?: unknown })._sock;
  if (!(sock instanceof Socket)) {
    if (!saidNoSocket)
      log?.('ssh2 has no _sock socket: a close before the SSH banner is retried as any failure');
    saidNoSocket = true;
    return undefined;
  }
  return () => sock.bytesRead === 0;
}

/** How a connection that never saw the server's identification string ended. */
export interface BeforeIdent {
  how: 'closed' | 'reset';
  /** ssh2's socket error, for a reset. */
  cause?: unknown;
}

/** The connection ended before the server said SSH-2.0-…: nothing that speaks SSH was reached. */
export function closedBeforeIdentError(target: SshTarget, end: BeforeIdent): TunnelError {
  const marker = Object.assign(new Error(`${end.how} before the SSH identification string`), {
    code: NO_SSH_IDENT,
    cause: end.cause,
  });
  return connectError(
    target,
    `the connection was ${end.how} before the server sent its SSH identification (nothing that speaks ` +
      'SSH answered: sshd down behind a TCP proxy or port forward?)',
    { cause: marker },
  );
}

export function describeTarget(target: SshTarget): string {
  return `${target.alias} (${target.hostName}:${target.port})`;
}

function connectHint(target: SshTarget): string {
  const via = target.proxyJump ? ` (via ProxyJump ${target.proxyJump})` : '';
  return `Check that plain ssh works${via}: ssh -v ${target.alias}`;
}

// macOS 15+ Local Network privacy denies a program the LAN until the user allows it, and a denied
// connect() fails as EHOSTUNREACH "No route to host" (reports: winbox-mac#157, cdzombak/runner#4 for
// launchd jobs, pi-mcp-adapter#543: only same-subnet peers fail, Apple's /usr/bin tools are exempt).
// Terminal holds the permission, so plain ssh from it works while the agent started at login fails:
// "check that plain ssh works" would send the user the wrong way.
const LOCAL_NETWORK = new Set<AddressKind>(['private', 'link-local', 'unique-local']);

/** A private (RFC 1918), link-local or IPv6 unique-local address: what Local Network privacy guards. */
export function isLocalNetworkAddress(address: string): boolean {
  return LOCAL_NETWORK.has(addressKind(address));
}

// Apple's /usr/bin tools are only *reported* exempt (a third-party report; Apple's TN3179 names no
// exemption for a launchd agent's child), and the OpenSSH transport runs the first ssh on the agent's
// PATH, which the login item copied from the installing shell (Homebrew's ssh is not Apple's).
function localNetworkHint(target: SshTarget): string {
  return (
    'macOS Local Network privacy may be keeping tunnel off the LAN: in System Settings → Privacy & Security → ' +
    'Local Network, allow node (the program the agent runs); ssh from Terminal works because Terminal has ' +
    `that permission. The OpenSSH transport may help (tunnel config set ${target.alias} transport openssh): ` +
    "it runs the first ssh on the agent's PATH, and only Apple's /usr/bin/ssh is reported exempt, not " +
    "Homebrew's; PATH=/usr/bin:$PATH tunnel agent install puts Apple's first"
  );
}

function hostUnreachable(target: SshTarget, error: Ssh2Error, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'darwin' || error.code !== 'EHOSTUNREACH') return undefined;
  const address = error.address ?? target.hostName;
  return isLocalNetworkAddress(address) ? localNetworkHint(target) : undefined;
}

export function connectError(
  target: SshTarget,
  why: string,
  options: { cause?: unknown; hint?: string } = {},
): TunnelError {
  return new TunnelError('SSH_CONNECT', `Cannot connect to ${describeTarget(target)}: ${why}`, {
    hint: options.hint ?? connectHint(target),
    cause: options.cause,
  });
}

export function handshakeTimeoutError(target: SshTarget, timeoutMs: number): TunnelError {
  return connectError(target, `no SSH handshake within ${Math.round(timeoutMs / 1000)} s (ConnectTimeout)`);
}

/** Everything before 'ready' that is neither a host-key refusal nor an auth failure. */
export function mapConnectError(
  target: SshTarget,
  error: Ssh2Error,
  context: ConnectErrorContext = {},
): TunnelError {
  const code = typeof error.code === 'string' ? error.code : undefined;
  const { proxyStderr, platform = process.platform } = context;
  // The server's DISCONNECT text can arrive before key exchange (anyone on the path can send it), and a
  // ProxyCommand's stderr quotes the jump host: both are remote text.
  const proxied = stderrLines(proxyStderr ?? '')
    .slice(-3)
    .join(' | ');
  const proxy = proxied ? ` (proxy: ${remoteText(proxied)})` : '';
  const said = remoteText(error.message);
  // ssh2 reports such a close as "Connection lost before handshake" (level protocol), a reset as ECONNRESET;
  // a reset that beats Node's connect event (a proxy that accepts and resets at once) fails connect() itself.
  if (context.beforeIdent || (code === 'ECONNRESET' && error.syscall === 'connect'))
    return closedBeforeIdentError(target, { how: code === 'ECONNRESET' ? 'reset' : 'closed', cause: error });
  if (code && NETWORK_CAUSES[code]) {
    const hint = hostUnreachable(target, error, platform);
    return connectError(target, `${NETWORK_CAUSES[code]}${proxy}`, { cause: error, hint });
  }
  if (error.level === 'client-timeout')
    return connectError(target, `the SSH handshake timed out${proxy}`, { cause: error });
  if (typeof error.code === 'number') {
    // A DISCONNECT from the server: its own words are the best explanation.
    return connectError(target, `the server disconnected: ${said}${proxy}`, { cause: error });
  }
  return connectError(target, `${said}${proxy}`, { cause: error });
}
