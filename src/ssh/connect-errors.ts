// Turns ssh2's connection-phase errors into TunnelErrors with a hint. Classifies by ssh2's
// `level` and Node's `code`, never by message text.
import { TunnelError } from '../errors.js';
import { remoteText, stderrLines } from '../redact.js';
import type { SshTarget } from './types.js';

/** ssh2 tags errors with `level` (client-socket, client-timeout, handshake, protocol, …). */
export interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
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

export function describeTarget(target: SshTarget): string {
  return `${target.alias} (${target.hostName}:${target.port})`;
}

function connectHint(target: SshTarget): string {
  const via = target.proxyJump ? ` (via ProxyJump ${target.proxyJump})` : '';
  return `Check that plain ssh works${via}: ssh -v ${target.alias}`;
}

export function connectError(target: SshTarget, why: string, cause?: unknown): TunnelError {
  return new TunnelError('SSH_CONNECT', `Cannot connect to ${describeTarget(target)}: ${why}`, {
    hint: connectHint(target),
    cause,
  });
}

export function handshakeTimeoutError(target: SshTarget, timeoutMs: number): TunnelError {
  return connectError(target, `no SSH handshake within ${Math.round(timeoutMs / 1000)} s (ConnectTimeout)`);
}

/** Everything before 'ready' that is neither a host-key refusal nor an auth failure. */
export function mapConnectError(target: SshTarget, error: Ssh2Error, proxyStderr?: string): TunnelError {
  const code = typeof error.code === 'string' ? error.code : undefined;
  // The server's DISCONNECT text can arrive before key exchange (anyone on the path can send it), and a
  // ProxyCommand's stderr quotes the jump host: both are remote text.
  const proxied = stderrLines(proxyStderr ?? '')
    .slice(-3)
    .join(' | ');
  const proxy = proxied ? ` (proxy: ${remoteText(proxied)})` : '';
  const said = remoteText(error.message);
  if (code && NETWORK_CAUSES[code]) return connectError(target, `${NETWORK_CAUSES[code]}${proxy}`, error);
  if (error.level === 'client-timeout')
    return connectError(target, `the SSH handshake timed out${proxy}`, error);
  if (typeof error.code === 'number') {
    // A DISCONNECT from the server: its own words are the best explanation.
    return connectError(target, `the server disconnected: ${said}${proxy}`, error);
  }
  return connectError(target, `${said}${proxy}`, error);
}
