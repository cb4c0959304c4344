// What host-key.ts tells the user when it refuses a key or asks about one, worded after OpenSSH's
// sshconnect.c (check_host_key, warn_changed_key) so a user who knows ssh's warnings recognises them.
import { TunnelError } from '../errors.js';
import { blobKeyType, fingerprintSha256, type HostKeyCheck } from './known-hosts.js';
import type { SshTarget } from './types.js';

/** OpenSSH's display names (sshkey_type): ED25519, ECDSA, RSA. */
export function displayType(keyType: string): string {
  if (keyType === 'ssh-ed25519') return 'ED25519';
  if (keyType.startsWith('ecdsa-')) return 'ECDSA';
  if (keyType === 'ssh-rsa' || keyType.startsWith('rsa-sha2-')) return 'RSA';
  return keyType;
}

const keyTypeOf = (key: Buffer) => displayType(blobKeyType(key) ?? '');

/**
 * ssh's "REMOTE HOST IDENTIFICATION HAS CHANGED": the host has known keys and the presented one is not
 * among them, whatever its type. We refuse under every StrictHostKeyChecking value (ssh goes on under
 * "no" with auth restricted): a tunnel carrying kubeconfig credentials must not talk to an impostor.
 */
export function changedError(target: SshTarget, name: string, key: Buffer, check: HostKeyCheck): TunnelError {
  const lines = check.conflictingLines ?? [];
  const offending = lines
    .map((entry) => `${displayType(entry.keyType)} key in ${entry.file}:${entry.line}`)
    .join(', ');
  const presented = keyTypeOf(key);
  const sameType = lines.some((entry) => displayType(entry.keyType) === presented);
  const why = sameType
    ? ''
    : ` known_hosts has no ${presented} key for it, but a host with any known key is not new: ` +
      'an impostor would simply offer a key type you have not recorded.';
  return new TunnelError(
    'HOST_KEY_CHANGED',
    `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}: the ${presented} key sent by the ` +
      `server is ${fingerprintSha256(key)}; offending ${offending}.${why} ` +
      'Someone could be eavesdropping on you (man-in-the-middle attack), or the host key was just changed.',
    {
      hint:
        `If you know the server's key changed, remove the old entry with: ` +
        `ssh-keygen -R '${name}' -f ${lines[0]?.file ?? '~/.ssh/known_hosts'} ; then run: ssh ${target.alias}`,
    },
  );
}

export function revokedError(name: string, key: Buffer, check: HostKeyCheck): TunnelError {
  const line = check.conflictingLines?.[0];
  return new TunnelError(
    'HOST_KEY_REVOKED',
    `The host key of ${name} (${fingerprintSha256(key)}) is marked @revoked in ${line?.file}:${line?.line}.`,
    { hint: 'Do not connect: ask the dev server admin for a new host key, then accept it once with ssh.' },
  );
}

export interface UnknownKey {
  target: SshTarget;
  name: string;
  key: Buffer;
  check: HostKeyCheck;
  /** Why it was not accepted, e.g. "StrictHostKeyChecking is yes". */
  why: string;
}

export function unknownError({ target, name, key, why }: UnknownKey) {
  return new TunnelError(
    'HOST_KEY_UNKNOWN',
    `The host key of ${name} is not in known_hosts: ${keyTypeOf(key)} key ${fingerprintSha256(key)}; ${why}.`,
    {
      hint:
        `Check the fingerprint, then run \`ssh ${target.alias}\` once to accept it, ` +
        'or pass --accept-new-host-key.',
    },
  );
}

/**
 * The host is vouched for only by @cert-authority lines: OpenSSH would verify its host certificate, which
 * ssh2 never negotiates. Accepting the plain key instead would bypass the CA, so ssh2 stops here and auto
 * retries with OpenSSH (SSH_UNSUPPORTED).
 */
export function hostCertificateError(target: SshTarget, name: string, check: HostKeyCheck): TunnelError {
  const line = check.certAuthorityLines?.[0];
  return new TunnelError(
    'SSH_UNSUPPORTED',
    `known_hosts trusts ${name} only through @cert-authority lines (${line?.file}:${line?.line}): ` +
      'ssh2 cannot verify host certificates.',
    {
      hint:
        `Use the OpenSSH transport (transport auto does so by itself): tunnel connect ${target.alias} ` +
        '--transport openssh',
    },
  );
}

export function rekeyError(target: SshTarget, name: string, key: Buffer): TunnelError {
  return new TunnelError(
    'HOST_KEY_CHANGED',
    `${name} presented a different host key (${fingerprintSha256(key)}) during a rekey than at connect time.`,
    {
      hint: `Treat this as an attack until explained; check the server, then reconnect: ssh ${target.alias}`,
    },
  );
}

export function promptText(name: string, key: Buffer): string {
  return (
    `The authenticity of host '${name}' can't be established.\n` +
    `${keyTypeOf(key)} key fingerprint is ${fingerprintSha256(key)}.\n` +
    'Are you sure you want to continue connecting (yes/no)? '
  );
}

/** ssh2 verifies none of the configured types (host certificates, security keys): OpenSSH can (auto uses it). */
export function noUsableAlgorithmError(target: SshTarget, configured: readonly string[]): TunnelError {
  const shown = configured.join(',').slice(0, 200);
  return new TunnelError(
    'SSH_UNSUPPORTED',
    `HostKeyAlgorithms for ${target.alias} (${shown}) has no type tunnel can verify with ssh2: host ` +
      'certificates and security-key host keys need OpenSSH.',
    {
      hint:
        `Use the OpenSSH transport (transport auto does so by itself): tunnel connect ${target.alias} ` +
        '--transport openssh; or allow a plain key type in its Host block: HostKeyAlgorithms +ssh-ed25519',
    },
  );
}

export interface IpChange {
  target: SshTarget;
  name: string;
  ip: string;
  key: Buffer;
  ipStatus: HostKeyCheck;
}

/** sshconnect.c, CheckHostIP: the host's key is fine (or new) but the address has another key. */
export function ipChangedError(change: IpChange): TunnelError {
  const { name, ip, key, ipStatus } = change;
  const line = ipStatus.conflictingLines?.[0];
  return new TunnelError(
    'HOST_KEY_CHANGED',
    `Warning: the ${keyTypeOf(key)} host key for '${name}' differs from the key for the IP address ` +
      `'${ip}' (offending key for IP in ${line?.file}:${line?.line}); CheckHostIP is on.`,
    {
      hint:
        `If the server's address really changed, remove the old entry with: ssh-keygen -R '${ip}' -f ` +
        `${line?.file ?? '~/.ssh/known_hosts'} ; then run: ssh ${change.target.alias}`,
    },
  );
}
