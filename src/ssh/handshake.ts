// One ssh2 Client from connect() to 'ready': host key verifier, auth plan, keepalive, and our own
// handshake deadline (ssh2's readyTimeout cannot pause while the user answers a prompt).
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import ssh2 from 'ssh2';
import { TunnelError } from '../errors.js';
import { remoteText, stderrLines } from '../redact.js';
import { noCommonAlgorithmError, ssh2Algorithms } from './algorithms.js';
import type { AuthPlan } from './auth.js';
import {
  closedBeforeIdentError,
  connectError,
  handshakeTimeoutError,
  mapConnectError,
  type Ssh2Error,
  silentPeer,
} from './connect-errors.js';
import type { HostVerifier } from './host-key.js';
import { ssh2Socket } from './ssh2-internals.js';
import type { SshTarget } from './types.js';

export type Client = InstanceType<typeof ssh2.Client>;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/** A deadline that stops counting while a prompt waits for the user (nested pauses allowed). */
export class PausableDeadline {
  private timer: NodeJS.Timeout | undefined;
  private remainingMs: number;
  private startedAt = 0;
  private pauses = 0;
  private onExpire: (() => void) | undefined;

  constructor(readonly totalMs: number) {
    this.remainingMs = totalMs;
  }

  start(onExpire: () => void): void {
    this.onExpire = onExpire;
    if (this.pauses === 0) this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.onExpire = undefined;
  }

  async around<T>(task: () => Promise<T>): Promise<T> {
    if (this.pauses++ === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.remainingMs -= Date.now() - this.startedAt;
    }
    try {
      return await task();
    } finally {
      if (--this.pauses === 0 && this.onExpire) this.schedule();
    }
  }

  private schedule(): void {
    this.startedAt = Date.now();
    this.timer = setTimeout(() => this.onExpire?.(), Math.max(0, this.remainingMs));
  }
}

export interface HandshakeInput {
  target: SshTarget;
  /** A forwardOut channel (ProxyJump) or a ProxyCommand stream; direct TCP when unset. */
  sock: Duplex | undefined;
  verifier: HostVerifier;
  auth: AuthPlan;
  deadline: PausableDeadline;
  keepalive: { intervalMs: number; countMax: number };
  signal: AbortSignal | undefined;
  proxyStderr?: () => string;
  log?: Log;
}

function classify(
  input: HandshakeInput,
  error: Ssh2Error,
  at: { kexDone: boolean; beforeIdent: boolean },
): TunnelError {
  const { kexDone, beforeIdent } = at;
  // ssh2 only says "Host denied"; the verifier recorded the real reason.
  if (input.verifier.error) return input.verifier.error;
  if (error.level === 'client-authentication') return input.auth.failure();
  // sshd disconnects after MaxAuthTries failures; after KEX a server DISCONNECT is an auth problem.
  if (kexDone && typeof error.code === 'number') return input.auth.failure();
  // No algorithm in common: OpenSSH may share one (post-quantum kex), so this is SSH_UNSUPPORTED.
  const unsupported = noCommonAlgorithmError(input.target, error);
  if (unsupported) return unsupported;
  return mapConnectError(input.target, error, { proxyStderr: input.proxyStderr?.(), beforeIdent });
}

function connectConfig(input: HandshakeInput): ConnectConfig {
  const { target } = input;
  return {
    host: target.hostName,
    port: target.port,
    username: target.user,
    ...(input.sock ? { sock: input.sock } : {}),
    hostVerifier: input.verifier.verify,
    authHandler: input.auth.handler,
    algorithms: {
      ...ssh2Algorithms(target),
      serverHostKey: input.verifier.serverHostKeyAlgorithms as ServerHostKeyAlgorithm[],
    },
    keepaliveInterval: input.keepalive.intervalMs,
    keepaliveCountMax: input.keepalive.countMax,
    // Our PausableDeadline replaces ssh2's readyTimeout, which would expire while a prompt waits.
    readyTimeout: 0,
  };
}

/** Every way a handshake can end before 'ready', turned into one error for `fail`. */
function watchFailures(client: Client, input: HandshakeInput, fail: (error: unknown) => void): void {
  let kexDone = false;
  // Only where ssh2 dialed the TCP itself (connect-errors.ts says why).
  let silent: (() => boolean) | undefined;
  const beforeIdent = () => silent?.() === true;
  client.on('handshake', () => {
    kexDone = true;
  });
  // CheckHostIP needs the server's address before KEX; only a direct TCP socket has a meaningful one.
  client.once('connect', () => {
    const sock = ssh2Socket(client);
    if (input.sock) return;
    input.verifier.setRemoteAddress?.(sock instanceof Socket ? sock.remoteAddress : undefined);
    silent = silentPeer(sock, (message) => input.log?.('debug', message));
  });
  client.on('error', (error: Ssh2Error) => {
    // An agent that fails to sign is not fatal: ssh2 moves on to the next key.
    if (error.level === 'agent') return input.log?.('warn', `ssh agent: ${error.message}`);
    fail(classify(input, error, { kexDone, beforeIdent: beforeIdent() }));
  });
  // A question nobody answered mid-login: close now rather than send an empty answer (auth-secrets.ts).
  void input.auth.abandoned?.then(() => fail(input.auth.failure()));
  client.on('close', () => {
    // A ProxyCommand's stderr quotes the jump host (ssh -W prints what the far side said): remote text.
    const proxy = remoteText(stderrLines(input.proxyStderr?.() ?? '').join(' | '));
    if (!input.verifier.error && beforeIdent())
      return fail(closedBeforeIdentError(input.target, { how: 'closed' }));
    fail(
      input.verifier.error ??
        connectError(input.target, `connection closed during login${proxy ? ` (${proxy})` : ''}`),
    );
  });
}

/** Resolves with a Client that is authenticated and has every listener it needs to never crash Node. */
export function handshake(input: HandshakeInput): Promise<Client> {
  const { target, signal } = input;
  const client = new ssh2.Client();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      input.deadline.stop();
      signal?.removeEventListener('abort', onAbort);
      client.destroy();
      reject(error);
    };
    const onAbort = () => fail(signal?.reason ?? new DOMException('The operation was aborted', 'AbortError'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    input.deadline.start(() => fail(handshakeTimeoutError(target, input.deadline.totalMs)));
    watchFailures(client, input, fail);
    client.once('ready', () => {
      settled = true;
      input.deadline.stop();
      signal?.removeEventListener('abort', onAbort);
      client.setNoDelay(true);
      resolve(client);
    });
    try {
      client.connect(connectConfig(input));
    } catch (error) {
      // An algorithm option ssh2 cannot honour is already a TunnelError (SSH_UNSUPPORTED).
      fail(error instanceof TunnelError ? error : mapConnectError(target, error as Ssh2Error));
    }
  });
}
