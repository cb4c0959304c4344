// Turns ssh2's connection-phase errors into TunnelErrors with a hint. Classifies by ssh2's
// `level` and Node's `code`; by message text only for ssh2's codeless "Connection lost before handshake".
//
// A connection closed (or reset) before the server sent a byte reached nothing that speaks SSH: through
// a TCP proxy or port forward that accepts first, it is how "sshd is down" looks (OpenSSH says
// "kex_exchange_identification: …"). Such an error carries a cause with code NO_SSH_IDENT, which the
// supervisor retries quickly only just after losing a connection (retry-policy.ts rule 2), because sshd
// itself closes so when it sheds load (MaxStartups, PerSourcePenalties) or tcp-wrappers refuse us, and
// logs a line for each ("drop connection #N", "refused connect from"): the attempt costs no login and
// no key exchange, but it is not invisible.
// This is the one place for which connections count: only a TCP connection the transport dialed itself,
// where a close before the banner cannot have cost a login. On ssh2 that is a direct connect and the
// first ProxyJump hop (its jump host, dialed directly); a ProxyCommand stream or the stream through a
// jump host may close so after a login to the jump host, and stays an ordinary failure. OpenSSH's stderr
// does not say which hop closed, so there any ProxyJump or ProxyCommand target stays ordinary.
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

/** For tests: silentPeer says again that ssh2 keeps no socket. */
export function resetNoSocketNotice(): void {
  saidNoSocket = false;
}

/**
 * After ssh2's 'connect': whether the server has sent nothing at all yet, read from the TCP socket ssh2
 * dialed (ssh2-internals.ts ssh2Socket, as CheckHostIP reads it). Zero bytes, not "no SSH-2.0 line": a server that sent
 * anything (garbage, an HTTP reply) is not this cheap case. Undefined, with one debug line per process,
 * when ssh2 keeps no net.Socket there: then nothing is classified as closed before the banner.
 */
export function silentPeer(sock: unknown, log?: (message: string) => void): (() => boolean) | undefined {
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

// ssh2 reports a close before the banner as a codeless "Connection lost before handshake" (level protocol;
// its only codeless error there, so the text is checked), a reset as ECONNRESET or EPIPE; a reset that
// beats Node's connect event (a proxy that accepts and resets at once) fails connect() itself. Any other
// code (a timeout, no route) keeps its own meaning even with nothing read.
function endedBeforeIdent(error: Ssh2Error, code: string | undefined, context: ConnectErrorContext): boolean {
  if (code === 'ECONNRESET' && error.syscall === 'connect') return true;
  if (!context.beforeIdent) return false;
  if (code === 'ECONNRESET' || code === 'EPIPE') return true;
  return error.code === undefined && error.message === 'Connection lost before handshake';
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
  if (endedBeforeIdent(error, code, context))
    return closedBeforeIdentError(target, { how: code === undefined ? 'closed' : 'reset', cause: error });
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
