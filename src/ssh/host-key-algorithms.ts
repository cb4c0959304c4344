// Which host key algorithms we offer, in which order: sshconnect2.c order_hostkeyalgs on ssh2's terms.
// ssh2's `prepend` does not reorder (docs/reference/ssh2.md §1), so this is always an exact list.
import { entryMatchesHost, type KnownHostsEntry } from './known-hosts.js';

/** OpenSSH's default HostKeyAlgorithms without what ssh2 cannot verify (certificates, security keys). */
export const DEFAULT_HOST_KEY_ALGORITHMS: readonly string[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
];

/** What ssh2 1.17 can negotiate and verify as a server host key (SHA-1 ssh-rsa and DSA only if configured). */
const SSH2_HOST_KEY_ALGORITHMS = new Set([...DEFAULT_HOST_KEY_ALGORITHMS, 'ssh-rsa', 'ssh-dss']);

/** The known_hosts key type an algorithm is checked against (sshkey_type_plain, ECDSA by curve). */
function keyTypeOf(algorithm: string): string {
  const plain = algorithm.replace(/-cert-v01@openssh\.com$/, '');
  return plain.startsWith('rsa-sha2-') ? 'ssh-rsa' : plain;
}

/** Of a configured HostKeyAlgorithms list (`ssh -G` order), the names ssh2 can use. */
export function usableHostKeyAlgorithms(configured: readonly string[]): string[] {
  return configured.filter((algorithm) => SSH2_HOST_KEY_ALGORITHMS.has(algorithm));
}

/**
 * order_hostkeyalgs: when known_hosts has a plain key of the type of the FIRST configured algorithm
 * (a certificate type counts as its plain type), the list is used verbatim; otherwise the algorithms
 * whose type known_hosts has for this host move first, each group in configured order. @revoked and
 * @cert-authority lines say nothing about the host's plain keys. `configured` is `ssh -G`'s
 * hostkeyalgorithms (certificate and sk types included, so the first one is OpenSSH's own).
 */
export function hostKeyAlgorithmsFor(
  entries: readonly KnownHostsEntry[],
  hostNames: readonly string[],
  configured: readonly string[] = DEFAULT_HOST_KEY_ALGORITHMS,
): string[] {
  const known = new Set(
    entries
      .filter((entry) => entry.marker === undefined && entryMatchesHost(entry, hostNames))
      .map((entry) => entry.keyType),
  );
  const usable = usableHostKeyAlgorithms(configured);
  const best = configured[0];
  if (best !== undefined && known.has(keyTypeOf(best))) return usable;
  const isKnown = (algorithm: string) => known.has(keyTypeOf(algorithm));
  return [...usable.filter(isKnown), ...usable.filter((algorithm) => !isKnown(algorithm))];
}
