// The doctor's SSH login: the same pieces as `tunnel connect` (transport, handshake, known_hosts judgement,
// auth order) with two differences. It never asks and never records: an unknown key that the ssh config
// would accept (StrictHostKeyChecking accept-new/no) is accepted for this probe only and reported, never
// written to known_hosts. And it reports the host key verdict and the login method separately.
import type { AuthHandlerMiddleware, NextAuthHandler, ParsedKey } from 'ssh2';
import { TunnelError } from '../errors.js';
import { type AuthPlan, prepareAuth } from '../ssh/auth.js';
import { keepaliveFor, MAX_JUMP_DEPTH, openForward } from '../ssh/connection.js';
import { execArgvOnClient, execScriptOnClient } from '../ssh/exec.js';
import { type Client, handshake, PausableDeadline } from '../ssh/handshake.js';
import { createHostVerifier, type HostVerifier } from '../ssh/host-key.js';
import { blobKeyType, fingerprintSha256 } from '../ssh/known-hosts.js';
import { openTransport, type Transport } from '../ssh/transport.js';
import type { CloseReason, ExecOptions, SshConnection, SshTarget } from '../ssh/types.js';
import type { HostKeyVerdict, LoginResult } from './types.js';

export interface ProbeLoginOptions {
  /** Resolves a ProxyJump hop (resolveTarget with the same ssh config file). */
  resolveHop: (alias: string) => Promise<SshTarget>;
  /** Login deadline; default ConnectTimeout, else 20 s. */
  timeoutMs?: number;
}

/** OpenSSH's display names: ED25519, ECDSA, RSA. */
export function displayKeyType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-sha2-')) return 'RSA';
  return keyType;
}

/**
 * The real verifier, run with recording off; its verdict kept for the report. The server's address goes
 * to it as at connect, so CheckHostIP applies: an address known with another key is a refusal here too.
 */
export async function probeVerifier(target: SshTarget) {
  const strict = target.strictHostKeyChecking;
  const addsNew = strict === 'accept-new' || strict === 'no';
  // 'yes' here only stops the real verifier from appending; an unknown key is then judged below.
  const inner = await createHostVerifier(
    { ...target, strictHostKeyChecking: addsNew ? 'yes' : strict },
    { acceptNewHostKey: false, record: false },
  );
  let verdict: HostKeyVerdict | undefined;
  let refusal: TunnelError | undefined;
  let pinned: Buffer | undefined;
  const decide = (key: Buffer, accepted: boolean): boolean => {
    const described = {
      keyType: displayKeyType(blobKeyType(key) ?? ''),
      fingerprint: fingerprintSha256(key),
    };
    if (accepted) verdict ??= { kind: 'match', ...described };
    else if (inner.error?.code === 'HOST_KEY_UNKNOWN' && addsNew && !verdict) {
      verdict = { kind: 'new', ...described, policy: `StrictHostKeyChecking ${strict}` };
    } else {
      refusal =
        inner.error ?? new TunnelError('HOST_KEY_UNKNOWN', `The host key of ${target.alias} was refused.`);
      verdict = { kind: 'refused', error: refusal };
      return false;
    }
    pinned ??= Buffer.from(key);
    return true;
  };
  const verifier: HostVerifier = {
    // Block body, returns nothing, calls `done` exactly once (docs/reference/ssh2.md §0).
    verify: (key, done) => {
      if (pinned) {
        done(pinned.equals(key));
        return;
      }
      inner.verify(key, (accepted) => done(decide(key, accepted)));
    },
    serverHostKeyAlgorithms: inner.serverHostKeyAlgorithms,
    get error() {
      return refusal;
    },
    warnings: inner.warnings,
    setRemoteAddress: inner.setRemoteAddress,
  };
  return { verifier, verdict: () => verdict };
}

function describeMethod(method: Parameters<NextAuthHandler>[0]): string | undefined {
  if (typeof method !== 'object' || method === null) return undefined;
  if (method.type === 'agent') return 'a key from ssh-agent';
  if (method.type !== 'publickey') return method.type;
  const key = (method as { key?: ParsedKey }).key;
  if (!key || typeof key.getPublicSSH !== 'function') return 'publickey';
  return `publickey ${displayKeyType(key.type)} ${fingerprintSha256(key.getPublicSSH())}`;
}

/** The auth plan with the method last offered remembered: after 'ready', that is the one accepted. */
function recordingAuth(auth: AuthPlan) {
  let last: string | undefined;
  const handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) =>
    auth.handler(methodsLeft, partialSuccess, (method) => {
      last = describeMethod(method);
      next(method);
    });
  return { plan: { handler, failure: () => auth.failure() }, method: () => last };
}

export async function probeLogin(
  target: SshTarget,
  options: ProbeLoginOptions,
  depth = 0,
): Promise<LoginResult> {
  const none = { hostKey: undefined, connection: undefined, method: undefined };
  if (depth > MAX_JUMP_DEPTH) {
    const error = new TunnelError('SSH_CONNECT', `ProxyJump chain longer than ${MAX_JUMP_DEPTH} hops`, {
      hint: `Look for a loop in the ProxyJump settings: ssh -G ${target.alias}`,
    });
    return { ...none, error };
  }
  const [{ verifier, verdict }, auth] = await Promise.all([probeVerifier(target), prepareAuth(target)]);
  const recording = recordingAuth(auth);
  let transport: Transport;
  try {
    transport = await openTransport(target, {
      openHop: (hop) => openHop(hop, options, depth),
      resolveHop: options.resolveHop,
      log: undefined,
    });
  } catch (error) {
    return { ...none, error: asTunnelError(error) };
  }
  try {
    const client = await handshake({
      target,
      sock: transport.sock,
      verifier,
      auth: recording.plan,
      deadline: new PausableDeadline(loginTimeoutMs(target, options)),
      keepalive: keepaliveFor(target, { hostKeyPolicy: { acceptNewHostKey: false } }),
      signal: undefined,
      proxyStderr: transport.stderrTail,
    });
    const connection = new ProbeConnection(target, client, transport);
    return { hostKey: verdict(), connection, method: recording.method(), error: undefined };
  } catch (error) {
    transport.close();
    return { hostKey: verdict(), connection: undefined, method: undefined, error: asTunnelError(error) };
  }
}

function loginTimeoutMs(target: SshTarget, options: ProbeLoginOptions): number {
  return options.timeoutMs ?? (target.connectTimeoutSeconds ? target.connectTimeoutSeconds * 1000 : 20_000);
}

async function openHop(hop: SshTarget, options: ProbeLoginOptions, depth: number): Promise<SshConnection> {
  const result = await probeLogin(hop, options, depth + 1);
  if (result.connection) return result.connection;
  throw result.error ?? new TunnelError('SSH_CONNECT', `Cannot log in to the jump host ${hop.alias}`);
}

function asTunnelError(error: unknown): TunnelError {
  if (error instanceof TunnelError) return error;
  return new TunnelError('SSH_CONNECT', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}

/** What the remote checks need of a connection: exec and forwards; closing ends the transport too. */
class ProbeConnection implements SshConnection {
  readonly closed: Promise<CloseReason>;

  constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    transport: Transport,
  ) {
    client.on('error', () => {
      // 'close' follows; the doctor reports what the failing command said.
    });
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        transport.close();
        resolve({ kind: 'local', message: 'closed by tunnel doctor' });
      });
    });
  }

  exec(argv: readonly string[], options?: ExecOptions) {
    return execArgvOnClient(this.client, argv, options);
  }

  execShell(script: string, options?: ExecOptions) {
    return execScriptOnClient(this.client, script, options);
  }

  forwardOut(host: string, port: number, source?: { address: string; port: number }) {
    return openForward(this.client, { host, port, source, timeoutMs: 10_000 });
  }

  close(): void {
    this.client.end();
    setTimeout(() => this.client.destroy(), 1000).unref();
  }
}
