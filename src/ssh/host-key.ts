// Host key policy on top of known-hosts.ts: reads the known_hosts files, decides, appends new keys
// and records WHY it refused, because ssh2 itself only reports "Host denied".
import { TunnelError } from '../errors.js';
import { ipLookupName } from './host-ip.js';
import {
  DEFAULT_HOST_KEY_ALGORITHMS,
  hostKeyAlgorithmsFor,
  usableHostKeyAlgorithms,
} from './host-key-algorithms.js';
import {
  changedError,
  displayType,
  hostCertificateError,
  ipChangedError,
  noUsableAlgorithmError,
  promptText,
  rekeyError,
  revokedError,
  unknownError,
} from './host-key-messages.js';
import {
  blobKeyType,
  checkHostKey,
  type HostKeyCheck,
  type KnownHostsEntry,
  lookupName,
  portlessName,
} from './known-hosts.js';
import { appendKnownHost, loadKnownHosts } from './known-hosts-file.js';
import type { SshTarget } from './types.js';

export interface HostKeyPolicy {
  /** `--accept-new-host-key`: record an unknown key without asking (never a changed one). */
  acceptNewHostKey: boolean;
  /** false: never write known_hosts (doctor); what ssh would add is accepted for this connection only. */
  record?: boolean;
  /** Only set when a terminal can answer; the question is shown as is, true means "yes". */
  prompt?: (question: string) => Promise<boolean>;
  /**
   * Nobody started this connect (a background reconnect, a restored session): an unknown key is refused
   * whatever acceptNewHostKey or StrictHostKeyChecking accept-new/no say. Trusting a new key is a
   * decision for the connect a person runs, never one the agent repeats on its own.
   */
  unattended?: boolean;
}

export interface HostVerifier {
  /** Pass as ssh2's `hostVerifier`: returns nothing and calls `verify` exactly once (see docs/reference/ssh2.md §0). */
  readonly verify: (key: Buffer, verify: (accept: boolean) => void) => void;
  /** Exact ssh2 `algorithms.serverHostKey`: the host's known key types first. */
  readonly serverHostKeyAlgorithms: string[];
  /** Why the last key was refused; the connection rejects with this instead of ssh2's "Host denied". */
  readonly error: TunnelError | undefined;
  /** Skipped known_hosts lines and failed appends, for the caller's log. */
  readonly warnings: readonly string[];
  /** The server's TCP address once connected (direct TCP only), for CheckHostIP (host-ip.ts). */
  readonly setRemoteAddress?: (address: string | undefined) => void;
}

/**
 * sshconnect.c: ssh never records a HostName with any of @?*#[]|'"\\ (a pattern or a broken line), and a
 * new key it cannot record is refused. The same for a HostKeyAlias (stricter: ssh writes it as is),
 * plus `,`, `!` and white space, which would turn one name into several patterns.
 */
function recordable(target: SshTarget): boolean {
  if (/[@?*#[\]|'"\\]/.test(target.hostName)) return false;
  return target.hostKeyAlias === undefined || !/[@?*#[\]|'"\\,!\s]/.test(target.hostKeyAlias);
}

/** The three ways an unknown key may be accepted; undefined = refuse with `why`. */
async function mayAcceptNew(target: SshTarget, policy: HostKeyPolicy, question: string) {
  if (policy.unattended) {
    return {
      accepted: false,
      why: 'a background reconnect never trusts a new key, only a connect you run does',
    };
  }
  if (policy.acceptNewHostKey) return { accepted: true, why: '' };
  const strict = target.strictHostKeyChecking;
  if (strict === 'accept-new' || strict === 'no') return { accepted: true, why: '' };
  if (strict === 'yes') return { accepted: false, why: 'StrictHostKeyChecking is yes' };
  if (!policy.prompt) return { accepted: false, why: 'no terminal to ask whether to trust it' };
  const accepted = await policy.prompt(question);
  return { accepted, why: 'you declined it' };
}

/** The decisions for one connection: pinned key, recorded refusal, notes for the log. */
class Verification {
  pinned: Buffer | undefined;
  error: TunnelError | undefined;
  remoteAddress: string | undefined;
  private readonly name: string;

  constructor(
    private readonly target: SshTarget,
    private readonly policy: HostKeyPolicy,
    private readonly entries: KnownHostsEntry[],
    readonly warnings: string[],
  ) {
    this.name = lookupName(target);
  }

  /** sshconnect.c check_host_key, for one presented key. */
  async decide(key: Buffer): Promise<boolean> {
    const { target, name } = this;
    if (this.pinned) {
      if (this.pinned.equals(key)) return true;
      return this.refuse(rekeyError(target, name, key));
    }
    const check = checkHostKey(this.entries, { hostNames: [name], keyBlob: key });
    if (check.status === 'revoked') return this.refuse(revokedError(name, key, check));
    // StrictHostKeyChecking=no lets OpenSSH go on with a changed key (with auth restricted); we always
    // refuse: a tunnel that carries kubeconfig credentials must not talk to an impostor.
    if (check.status === 'changed') return this.refuse(changedError(target, name, key, check));
    const ip = ipLookupName(target, this.remoteAddress);
    const ipStatus = ip ? checkHostKey(this.entries, { hostNames: [ip], keyBlob: key }) : undefined;
    // ssh appends a new host's line before it exits on a changed IP key; we refuse before writing.
    if (ip && ipStatus?.status === 'changed' && !(await this.ipChangedAllowed(key, ip, ipStatus)))
      return false;
    if (check.status === 'match' || this.knownWithoutPort(key)) {
      if (ip && ipStatus?.status === 'unknown') await this.record(key, [ip], ip);
      return this.pin(key);
    }
    if (check.certAuthorityLines?.length) return this.refuse(hostCertificateError(target, name, check));
    if (!recordable(target)) {
      const why = `"${target.hostKeyAlias ?? target.hostName}" has characters a known_hosts line cannot hold`;
      return this.refuse(unknownError({ target, name, key, check, why }));
    }
    const verdict = await mayAcceptNew(target, this.policy, promptText(name, key));
    if (!verdict.accepted) return this.refuse(unknownError({ target, name, key, check, why: verdict.why }));
    await this.record(key, ip && ipStatus?.status === 'unknown' ? [name, ip] : [name]);
    return this.pin(key);
  }

  /** ssh looks a new [host]:port up once more under the bare host, and takes only the exact key there. */
  private knownWithoutPort(key: Buffer): boolean {
    const bare = portlessName(this.target);
    return (
      bare !== undefined && checkHostKey(this.entries, { hostNames: [bare], keyBlob: key }).status === 'match'
    );
  }

  /** The IP's key differs: ssh warns and goes on under "no", asks under "ask", else exits. */
  private async ipChangedAllowed(key: Buffer, ip: string, ipStatus: HostKeyCheck): Promise<boolean> {
    const error = ipChangedError({ target: this.target, name: this.name, ip, key, ipStatus });
    const strict = this.target.strictHostKeyChecking;
    if (strict === 'no') {
      this.warnings.push(error.message);
      return true;
    }
    // --accept-new-host-key is accept-new: it never turns this into a question.
    const ask = strict === 'ask' && !this.policy.acceptNewHostKey && !this.policy.unattended;
    if (ask && this.policy.prompt) {
      const question = `${error.message}\nAre you sure you want to continue connecting (yes/no)? `;
      if (await this.policy.prompt(question)) return true;
    }
    return this.refuse(error);
  }

  /** Like ssh: a failed append is a warning, the key was still accepted for this connection. */
  private async record(key: Buffer, names: string[], ip?: string): Promise<void> {
    if (this.policy.record === false) return;
    const type = displayType(blobKeyType(key) ?? '');
    const what = ip ? `the ${type} host key for IP address '${ip}'` : `'${names.join(',')}' (${type})`;
    try {
      const file = await appendKnownHost(this.target, key, names);
      this.warnings.push(`Permanently added ${what} to ${file}.`);
    } catch (error) {
      this.warnings.push(`Failed to add ${what} to known_hosts: ${(error as Error).message}`);
    }
  }

  private pin(key: Buffer): boolean {
    this.pinned = Buffer.from(key);
    this.error = undefined;
    return true;
  }

  private refuse(error: TunnelError): boolean {
    this.error = error;
    return false;
  }
}

/**
 * Reads every known_hosts file once (missing ones are fine) and returns a verifier for ONE
 * connection. It pins the key accepted at the first KEX: a rekey must present identical bytes.
 */
export async function createHostVerifier(target: SshTarget, policy: HostKeyPolicy): Promise<HostVerifier> {
  const configured = target.hostKeyAlgorithms ?? DEFAULT_HOST_KEY_ALGORITHMS;
  if (usableHostKeyAlgorithms(configured).length === 0) throw noUsableAlgorithmError(target, configured);
  const loaded = await loadKnownHosts([...target.userKnownHostsFiles, ...target.globalKnownHostsFiles]);
  const verification = new Verification(target, policy, loaded.entries, [...loaded.warnings]);
  return {
    // Block body, returns nothing, calls `verify` exactly once: see docs/reference/ssh2.md §0.
    verify: (key, verify) => {
      verification.decide(key).then(verify, (error: unknown) => {
        verification.error = new TunnelError(
          'INTERNAL',
          `Host key check failed: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
        verify(false);
      });
    },
    serverHostKeyAlgorithms: hostKeyAlgorithmsFor(loaded.entries, [lookupName(target)], configured),
    get error() {
      return verification.error;
    },
    warnings: verification.warnings,
    setRemoteAddress: (address) => {
      verification.remoteAddress = address;
    },
  };
}
