// The algorithm options of `ssh -G` (KexAlgorithms, Ciphers, MACs, PubkeyAcceptedAlgorithms) on ssh2's
// terms: OpenSSH's order kept, what ssh2 lacks dropped, and an SSH_UNSUPPORTED error (auto then uses
// OpenSSH) when nothing is left or the server and ssh2 share no algorithm. Host key algorithms are
// host-key-algorithms.ts's (their order depends on known_hosts). Pure apart from reading ssh2's tables.
import { createRequire } from 'node:module';
import type { Algorithms, CipherAlgorithm, KexAlgorithm, MacAlgorithm } from 'ssh2';
import { TunnelError } from '../errors.js';
import { DEFAULT_HOST_KEY_ALGORITHMS, usableHostKeyAlgorithms } from './host-key-algorithms.js';
import type { SshTarget } from './types.js';

interface Ssh2Tables {
  DEFAULT_KEX: string[];
  SUPPORTED_KEX: string[];
  DEFAULT_CIPHER: string[];
  SUPPORTED_CIPHER: string[];
  DEFAULT_MAC: string[];
  SUPPORTED_MAC: string[];
}

// ssh2's own lists: what it can negotiate on this machine (ciphers depend on Node's OpenSSL build).
const ssh2Tables = createRequire(import.meta.url)('ssh2/lib/protocol/constants.js') as Ssh2Tables;

/** User-key signature algorithms ssh2 can make (no certificates, no security keys: keyParser.js). */
export const SSH2_PUBKEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
  'ssh-dss',
];

export interface AlgorithmTables {
  kex: { defaults: readonly string[]; supported: readonly string[] };
  cipher: { defaults: readonly string[]; supported: readonly string[] };
  hmac: { defaults: readonly string[]; supported: readonly string[] };
}

export const SSH2_TABLES: AlgorithmTables = {
  kex: { defaults: ssh2Tables.DEFAULT_KEX, supported: ssh2Tables.SUPPORTED_KEX },
  cipher: { defaults: ssh2Tables.DEFAULT_CIPHER, supported: ssh2Tables.SUPPORTED_CIPHER },
  hmac: { defaults: ssh2Tables.DEFAULT_MAC, supported: ssh2Tables.SUPPORTED_MAC },
};

/** The ssh_config keyword each category comes from, as the user would write it. */
const OPTION_NAMES = { kex: 'KexAlgorithms', cipher: 'Ciphers', hmac: 'MACs' } as const;

/** Shows a list cut short: a message stays one readable line. */
function shown(list: readonly string[]): string {
  const text = list.join(',');
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

export function unsupportedOptionError(target: SshTarget, option: string, configured: readonly string[]) {
  return new TunnelError(
    'SSH_UNSUPPORTED',
    `${option} ${shown(configured)} for ${target.alias}: ssh2 supports none of these`,
    {
      hint:
        `Use the OpenSSH transport for this host (transport auto does so by itself): ` +
        `tunnel connect ${target.alias} --transport openssh`,
    },
  );
}

/**
 * One category: `configured` (OpenSSH order) cut down to what ssh2 supports. undefined = leave ssh2's
 * default, which happens when the result is ssh2's default SET: `ssh -G` always prints a list (OpenSSH's
 * defaults when the config is silent), and OpenSSH's default ciphers are ssh2's in another order. Keeping
 * ssh2's order there keeps what today's connections negotiate (AES-GCM, fast with AES-NI, not chacha20).
 */
export function mapCategory(
  configured: readonly string[] | undefined,
  table: { defaults: readonly string[]; supported: readonly string[] },
): string[] | undefined | null {
  if (configured === undefined) return undefined;
  const usable = configured.filter(
    (name, index) => table.supported.includes(name) && configured.indexOf(name) === index,
  );
  if (usable.length === 0) return null;
  const sameSet =
    usable.length === table.defaults.length && usable.every((name) => table.defaults.includes(name));
  return sameSet ? undefined : usable;
}

/** ssh2's `algorithms` (kex, cipher, hmac) for a target; throws SSH_UNSUPPORTED naming an empty category. */
export function ssh2Algorithms(target: SshTarget, tables: AlgorithmTables = SSH2_TABLES): Algorithms {
  const configured = { kex: target.kexAlgorithms, cipher: target.ciphers, hmac: target.macs };
  const algorithms: Algorithms = {};
  usablePubkeyAlgorithms(target);
  for (const category of ['kex', 'cipher', 'hmac'] as const) {
    const list = configured[category];
    const mapped = mapCategory(list, tables[category]);
    if (mapped === null) throw unsupportedOptionError(target, OPTION_NAMES[category], list ?? []);
    if (mapped === undefined) continue;
    if (category === 'kex') algorithms.kex = mapped as KexAlgorithm[];
    else if (category === 'cipher') algorithms.cipher = mapped as CipherAlgorithm[];
    else algorithms.hmac = mapped as MacAlgorithm[];
  }
  return algorithms;
}

/** PubkeyAcceptedAlgorithms cut down to what ssh2 can sign with; SSH_UNSUPPORTED when none is left. */
export function usablePubkeyAlgorithms(target: SshTarget): string[] | undefined {
  const configured = target.pubkeyAcceptedAlgorithms;
  if (configured === undefined) return undefined;
  const usable = configured.filter((name) => SSH2_PUBKEY_ALGORITHMS.includes(name));
  if (usable.length === 0) throw unsupportedOptionError(target, 'PubkeyAcceptedAlgorithms', configured);
  return usable;
}

/**
 * Whether PubkeyAcceptedAlgorithms lets a user key of this type be offered (sshconnect2.c key_type_allowed:
 * an RSA key is allowed when any of ssh-rsa, rsa-sha2-256, rsa-sha2-512 is).
 */
export function pubkeyTypeAllowed(target: SshTarget, keyType: string): boolean {
  const accepted = target.pubkeyAcceptedAlgorithms;
  if (accepted === undefined) return true;
  if (keyType === 'ssh-rsa') return accepted.some((name) => /^(ssh-rsa|rsa-sha2-(256|512))$/.test(name));
  return accepted.includes(keyType);
}

/**
 * The algorithm options ssh2 cannot honour at all, each as one line for the user (ssh2-limits.ts): auto
 * then goes to OpenSSH before trying a login that could only fail.
 */
export function algorithmLimits(target: SshTarget, tables: AlgorithmTables = SSH2_TABLES): string[] {
  const none = (option: string, list: readonly string[]) =>
    unsupportedOptionError(target, option, list).message;
  const reasons: string[] = [];
  const hostKey = target.hostKeyAlgorithms ?? DEFAULT_HOST_KEY_ALGORITHMS;
  if (usableHostKeyAlgorithms(hostKey).length === 0) reasons.push(none('HostKeyAlgorithms', hostKey));
  const configured = { kex: target.kexAlgorithms, cipher: target.ciphers, hmac: target.macs };
  for (const category of ['kex', 'cipher', 'hmac'] as const) {
    const list = configured[category];
    if (mapCategory(list, tables[category]) === null) reasons.push(none(OPTION_NAMES[category], list ?? []));
  }
  const pubkey = target.pubkeyAcceptedAlgorithms;
  if (pubkey && !pubkey.some((name) => SSH2_PUBKEY_ALGORITHMS.includes(name)))
    reasons.push(none('PubkeyAcceptedAlgorithms', pubkey));
  return reasons;
}

/** What ssh2's KEXINIT negotiation says when nothing is shared (kex.js: level 'handshake'). */
const NO_MATCH =
  /^Handshake failed: no matching (key exchange algorithm|host key format|[CS]->[CS] cipher|[CS]->[CS] MAC|[CS]->[CS] compression)$/;

const CATEGORY_OF: Record<string, string> = {
  'key exchange algorithm': 'KexAlgorithms',
  'host key format': 'HostKeyAlgorithms',
  cipher: 'Ciphers',
  MAC: 'MACs',
  compression: 'Compression',
};

/**
 * ssh2's own (local, not the server's) words for "the server and I share no algorithm" → SSH_UNSUPPORTED
 * naming the ssh_config option; undefined for any other error. OpenSSH may share one (post-quantum kex,
 * host certificates), so auto retries with it.
 */
export function noCommonAlgorithmError(
  target: SshTarget,
  error: { message: string; level?: string },
): TunnelError | undefined {
  const match = error.level === 'handshake' ? NO_MATCH.exec(error.message) : null;
  if (!match?.[1]) return undefined;
  const what = match[1].replace(/^[CS]->[CS] /, '');
  const option = CATEGORY_OF[what] ?? what;
  return new TunnelError(
    'SSH_UNSUPPORTED',
    `${target.alias} offers no ${what} that ssh2 supports (${option}): the server may allow only ` +
      'algorithms ssh2 lacks, such as post-quantum key exchange',
    {
      hint: `Use the OpenSSH transport for this host: tunnel connect ${target.alias} --transport openssh; ssh -v ${target.alias} shows what the server offers`,
      cause: error,
    },
  );
}
