// src/ssh (main file): from an ssh alias to a live, host-key-checked ssh2 connection (`ssh -G`,
// known_hosts, auth, exec, forwards, ProxyJump/ProxyCommand). One fresh Client per openConnection;
// it never reconnects (`closed` says why it ended, the supervisor decides) and never prints.
import { Socket } from 'node:net';
import { type Duplex, Readable, Writable } from 'node:stream';
import { TunnelError } from '../errors.js';
import { prepareAuth } from './auth.js';
import { coalesceWrites } from './coalesce.js';
import { connectError } from './connect-errors.js';
import { execArgvOnClient, execScriptOnClient } from './exec.js';
import { openForward } from './forward-channel.js';
import { type Client, handshake, type Log, PausableDeadline } from './handshake.js';
import { createHostVerifier, type HostKeyPolicy } from './host-key.js';
import { keepaliveCountsData, pingServer } from './keepalive.js';
import { bufferPadding } from './padding.js';
import { type LoginObservation, observingAuth, probeVerifier } from './probe.js';
import { resolveTarget } from './ssh-config.js';
import { ssh2Socket } from './ssh2-internals.js';
import { openTransport, type Transport } from './transport.js';
import type { AskSecret, CloseReason, ExecOptions, ExecResult, SshLink, SshTarget } from './types.js';

export type { Log, LogLevel } from './handshake.js';

export interface OpenConnectionOptions {
  hostKeyPolicy: HostKeyPolicy;
  /** Asks for an encrypted key's passphrase; only pass it when a terminal can answer. */
  askPassphrase?: (file: string) => Promise<string | undefined>;
  /**
   * Asks a login question (a password, a keyboard-interactive prompt such as a one-time code); resolve
   * undefined when nobody can answer. Absent: such a login fails with SSH_NEEDS_ANSWER. Never under BatchMode.
   */
  askSecret?: AskSecret;
  /** Default: ServerAliveInterval when it is ≤ 3 s, else 3000 ms (keepalive is never off; see below). */
  keepaliveIntervalMs?: number;
  /** Default: ServerAliveCountMax when ServerAliveInterval is used, else 3. */
  keepaliveCountMax?: number;
  /** Login deadline (TCP + KEX + auth, paused during prompts). Default: ConnectTimeout, else 20 s. */
  readyTimeoutMs?: number;
  /** Timeout for opening one forwardOut channel; default 10 s. */
  forwardOpenTimeoutMs?: number;
  /** Resolves a ProxyJump hop's host; callers pass resolveTarget bound to the same config file. */
  resolveHop?: (alias: string) => Promise<SshTarget>;
  /** Cancels opening only; an open connection is ended with close(). */
  signal?: AbortSignal;
  log?: Log;
  /**
   * Probe mode (`tunnel doctor`, probe.ts): no question is asked and nothing is recorded (known_hosts is
   * never written, whatever hostKeyPolicy says, for the jump hosts too); the host-key verdict and the
   * accepted auth method are written here as the login runs, for success and failure alike.
   */
  probe?: LoginObservation;
}

/** ProxyJump chains deeper than this are a config loop (e.g. `Host *` with ProxyJump). */
export const MAX_JUMP_DEPTH = 8;

/** The slowest keepalive we use: ssh2 declares a link dead after about (countMax + 1) × interval. */
export const MAX_KEEPALIVE_INTERVAL_MS = 3_000;

/**
 * ssh2 leaves keepalive off by default, and then a vanished network produces no event at all. So the
 * user's ServerAliveInterval/CountMax when it is at least as eager as ours, else 3 s × 3: a silent
 * outage is seen in about 12 s. A common `ServerAliveInterval 60` would take 4 minutes, far too long
 * for forwards someone is waiting on, so a longer interval is shortened (pings are ~100 bytes).
 */
export function keepaliveFor(target: SshTarget, options: OpenConnectionOptions) {
  const configured = target.serverAliveIntervalSeconds * 1000;
  const fromConfig = configured > 0 && configured <= MAX_KEEPALIVE_INTERVAL_MS;
  return {
    intervalMs: options.keepaliveIntervalMs ?? (fromConfig ? configured : MAX_KEEPALIVE_INTERVAL_MS),
    countMax: Math.max(1, options.keepaliveCountMax ?? (fromConfig ? target.serverAliveCountMax : 3)),
  };
}

export async function openConnection(target: SshTarget, options: OpenConnectionOptions): Promise<SshLink> {
  return await openAtDepth(target, options, 0);
}

async function openAtDepth(
  target: SshTarget,
  options: OpenConnectionOptions,
  depth: number,
): Promise<SshLink> {
  if (depth > MAX_JUMP_DEPTH) {
    throw connectError(
      target,
      `ProxyJump chain longer than ${MAX_JUMP_DEPTH} hops (a loop in the ssh config?)`,
    );
  }
  options.signal?.throwIfAborted();
  const deadline = new PausableDeadline(
    options.readyTimeoutMs ?? (target.connectTimeoutSeconds ? target.connectTimeoutSeconds * 1000 : 20_000),
  );
  const [verifier, auth] = options.probe
    ? await prepareProbe(target, options.probe)
    : await prepareLogin(target, options, deadline);
  const loadWarnings = verifier.warnings.length;
  for (const warning of verifier.warnings) options.log?.('warn', warning, { host: target.alias });
  const transport = await openTransport(target, {
    // A probe's jump hosts are probed too (nothing recorded), but only the target's login is observed.
    openHop: (hopTarget) =>
      openAtDepth(hopTarget, options.probe ? { ...options, probe: {} } : options, depth + 1),
    resolveHop: options.resolveHop ?? ((alias) => resolveTarget(alias)),
    log: options.log,
  });
  try {
    const client = await handshake({
      target,
      sock: transport.sock,
      verifier,
      auth,
      deadline,
      keepalive: keepaliveFor(target, options),
      signal: options.signal,
      proxyStderr: transport.stderrTail,
      log: options.log,
    });
    // Appends happen inside the handshake; report them ("Permanently added …") like ssh does.
    for (const note of verifier.warnings.slice(loadWarnings))
      options.log?.('info', note, { host: target.alias });
    return new Ssh2Connection(target, client, transport, options);
  } catch (error) {
    transport.close();
    throw error;
  }
}

/** The host-key check and the auth plan, their prompts pausing the handshake deadline while they wait. */
function prepareLogin(target: SshTarget, options: OpenConnectionOptions, deadline: PausableDeadline) {
  const policy: HostKeyPolicy = {
    ...options.hostKeyPolicy,
    ...(options.hostKeyPolicy.prompt ? { prompt: wrapPrompt(deadline, options.hostKeyPolicy.prompt) } : {}),
  };
  const askPassphrase = options.askPassphrase ? wrapPrompt(deadline, options.askPassphrase) : undefined;
  const askSecret = options.askSecret ? wrapPrompt(deadline, options.askSecret) : undefined;
  return Promise.all([
    createHostVerifier(target, policy),
    prepareAuth(target, { ...(askPassphrase ? { askPassphrase } : {}), ...(askSecret ? { askSecret } : {}) }),
  ]);
}

/** Probe mode: the observing verifier (records nothing) and the auth plan without passphrase prompts. */
async function prepareProbe(target: SshTarget, observation: LoginObservation) {
  const [verifier, auth] = await Promise.all([probeVerifier(target, observation), prepareAuth(target)]);
  return [verifier, observingAuth(auth, observation)] as const;
}

function wrapPrompt<A, R>(deadline: PausableDeadline, prompt: (arg: A) => Promise<R>) {
  return (arg: A) => deadline.around(() => prompt(arg));
}

class Ssh2Connection implements SshLink {
  readonly closed: Promise<CloseReason>;
  readonly remoteAddress: string | undefined;
  readonly transport = { kind: 'ssh2', reason: undefined } as const;
  private closedLocally = false;
  /** Set on ssh2's 'close', which it emits before failing queued requests (see ping). */
  private ended = false;
  private received = 0;
  private firstError: (Error & { level?: string; code?: unknown }) | undefined;

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    private readonly stream: Transport,
    private readonly options: OpenConnectionOptions,
  ) {
    // ssh2 writes each packet with its own socket.write; batch them per turn like OpenSSH's poll loop.
    const sock = ssh2Socket(client);
    if (sock instanceof Writable) coalesceWrites(sock);
    // ssh2 draws each packet's padding with its own randomFillSync (~3 µs a call); draw it from a pool.
    bufferPadding(client, { log: options.log });
    // A link that is delivering data is alive: counted for the supervisor's link check, and it postpones
    // ssh2's keepalive as OpenSSH's. A second 'data' listener does not change flow (ssh2 reads flowing).
    const dataArrived = keepaliveCountsData(client);
    if (sock instanceof Readable) {
      sock.on('data', (chunk: Buffer) => {
        this.received += chunk.length;
        dataArrived();
      });
    }
    // Direct TCP only: through a ProxyCommand or jump host the socket is not a TCP connection to the server.
    this.remoteAddress = !stream.sock && sock instanceof Socket ? sock.remoteAddress : undefined;
    // ssh2 leaves Nagle on. With requests of many forwarded connections multiplexed on this one socket,
    // a small packet then waits for the ACK of the previous one, which the server may delay ~40 ms:
    // on loopback HTTP through 64 keep-alive clients fell to 2.8k requests/s (ssh -L: 20.7k) and a new
    // connection's first byte took 6 ms. Writes are coalesced above, so no-delay sends no tiny segments.
    client.setNoDelay(true);
    client.on('error', (error: Error) => {
      this.firstError ??= error;
      options.log?.('warn', `ssh connection error: ${error.message}`, { host: target.alias });
    });
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        this.ended = true;
        stream.close();
        void this.reason().then(resolve);
      });
    });
  }

  private async reason(): Promise<CloseReason> {
    if (this.closedLocally) return { kind: 'local', message: 'closed by tunnel' };
    const error = this.firstError;
    if (error?.level === 'client-timeout') {
      const { intervalMs, countMax } = keepaliveFor(this.target, this.options);
      return {
        kind: 'keepalive',
        message: `no answer to ${countMax} keepalives sent every ${intervalMs} ms`,
      };
    }
    // When a jump host died, its reason is the useful one.
    const hop = await this.stream.hopClosed();
    if (hop && hop.kind !== 'local') return { kind: hop.kind, message: `jump host: ${hop.message}` };
    if (error && error.level !== 'client-socket') return { kind: 'error', message: error.message };
    const detail = error ? ` (${error.message})` : '';
    return { kind: 'remote', message: `the server closed the connection${detail}` };
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    if (argv.length === 0)
      return Promise.reject(new TunnelError('INTERNAL', 'exec called with an empty argv'));
    return execArgvOnClient(this.client, argv, options);
  }

  execShell(script: string, options?: ExecOptions): Promise<ExecResult> {
    return execScriptOnClient(this.client, script, options);
  }

  forwardOut(host: string, port: number, source?: { address: string; port: number }): Promise<Duplex> {
    return openForward(this.client, {
      host,
      port,
      source,
      timeoutMs: this.options.forwardOpenTimeoutMs ?? 10_000,
      log: this.options.log,
    });
  }

  get bytesReceived(): number {
    return this.received;
  }

  async ping(): Promise<boolean> {
    if (this.ended) return false;
    const outcome = await pingServer(this.client, this.options.log);
    return outcome === 'answered' && !this.ended;
  }

  close(): void {
    this.closedLocally = true;
    this.client.end();
    // end() waits for the peer; a dead peer never answers, so make sure the socket goes away.
    setTimeout(() => this.client.destroy(), 2000).unref();
  }
}
