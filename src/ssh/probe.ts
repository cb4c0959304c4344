// Probe mode of the one connection (connection.ts), for `tunnel doctor`: the login is the same as
// `tunnel connect`'s (transport, known_hosts judgement, auth order) with two differences. Nothing is
// recorded or asked: an unknown key that the ssh config would accept (StrictHostKeyChecking
// accept-new/no) is accepted for this connection only and reported, never written to known_hosts. And
// what the login saw is observed: the host-key verdict and the auth method that was accepted.
import type { AuthHandlerMiddleware } from 'ssh2';
import { TunnelError } from '../errors.js';
import type { AuthPlan } from './auth.js';
import { createHostVerifier, type HostVerifier } from './host-key.js';
import { blobKeyType, fingerprintSha256 } from './known-hosts.js';
import type { SshTarget } from './types.js';

/** How the server's host key compares with known_hosts, judged as `tunnel connect` would. */
export type HostKeyVerdict =
  | { kind: 'match'; keyType: string; fingerprint: string }
  /** Unknown, but the policy (StrictHostKeyChecking accept-new/no) would add it at connect. */
  | { kind: 'new'; keyType: string; fingerprint: string; policy: string }
  | { kind: 'refused'; error: TunnelError };

/** Filled in while the login runs; read it after openConnection resolved or rejected. */
export interface LoginObservation {
  /** undefined: the connection failed before the server showed its host key. */
  hostKey?: HostKeyVerdict;
  /** How we logged in, e.g. "publickey ED25519 SHA256:…" or "publickey ED25519 SHA256:… + keyboard-interactive". */
  method?: string;
}

/** OpenSSH's display names: ED25519, ECDSA, RSA. */
export function displayKeyType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-sha2-')) return 'RSA';
  return keyType;
}

/**
 * The real verifier, run with recording off; its verdict kept in `observation`. The server's address goes
 * to it as at connect, so CheckHostIP applies: an address known with another key is a refusal here too.
 */
export async function probeVerifier(target: SshTarget, observation: LoginObservation): Promise<HostVerifier> {
  const strict = target.strictHostKeyChecking;
  const addsNew = strict === 'accept-new' || strict === 'no';
  // 'yes' here only stops the real verifier from accepting; an unknown key is then judged below.
  const inner = await createHostVerifier(
    { ...target, strictHostKeyChecking: addsNew ? 'yes' : strict },
    { acceptNewHostKey: false, record: false },
  );
  let refusal: TunnelError | undefined;
  let pinned: Buffer | undefined;
  const decide = (key: Buffer, accepted: boolean): boolean => {
    const described = {
      keyType: displayKeyType(blobKeyType(key) ?? ''),
      fingerprint: fingerprintSha256(key),
    };
    if (accepted) observation.hostKey ??= { kind: 'match', ...described };
    else if (inner.error?.code === 'HOST_KEY_UNKNOWN' && addsNew && !observation.hostKey) {
      observation.hostKey = { kind: 'new', ...described, policy: `StrictHostKeyChecking ${strict}` };
    } else {
      refusal =
        inner.error ?? new TunnelError('HOST_KEY_UNKNOWN', `The host key of ${target.alias} was refused.`);
      observation.hostKey = { kind: 'refused', error: refusal };
      return false;
    }
    pinned ??= Buffer.from(key);
    return true;
  };
  return {
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
}

/**
 * The auth plan with how the login went kept in `observation` as each request goes out: after 'ready',
 * the methods accepted (partial successes first), e.g. "publickey ED25519 SHA256:… + keyboard-interactive".
 */
export function observingAuth(auth: AuthPlan, observation: LoginObservation): AuthPlan {
  const handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) =>
    auth.handler(methodsLeft, partialSuccess, (method) => {
      observation.method = auth.method();
      next(method);
    });
  return {
    handler,
    failure: () => auth.failure(),
    method: () => auth.method(),
    ...(auth.abandoned ? { abandoned: auth.abandoned } : {}),
  };
}
