// Host key policy on top of known-hosts.ts: reads the known_hosts files, decides, appends new keys
// and records WHY it refused, because ssh2 itself only reports "Host denied".
import fs from 'node:fs/promises';
import path from 'node:path';
import { TunnelError } from '../errors.js';
import {
  DEFAULT_HOST_KEY_ALGORITHMS,
  hostKeyAlgorithmsFor,
  usableHostKeyAlgorithms,
} from './host-key-algorithms.js';
import {
  changedError,
  displayType,
  noUsableAlgorithmError,
  promptText,
  rekeyError,
  revokedError,
  unknownError,
} from './host-key-messages.js';
import {
  blobKeyType,
  checkHostKey,
  type KnownHostsEntry,
  knownHostsLine,
  lookupName,
  parseKnownHosts,
  portlessName,
} from './known-hosts.js';
import type { SshTarget } from './types.js';

export interface HostKeyPolicy {
  /** `--accept-new-host-key`: record an unknown key without asking (never a changed one). */
  acceptNewHostKey: boolean;
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
  /** Pass as ssh2's `hostVerifier`: returns nothing and calls `verify` exactly once (see ssh2.md §0). */
  readonly verify: (key: Buffer, verify: (accept: boolean) => void) => void;
  /** Exact ssh2 `algorithms.serverHostKey`: the host's known key types first. */
  readonly serverHostKeyAlgorithms: string[];
  /** Why the last key was refused; the connection rejects with this instead of ssh2's "Host denied". */
  readonly error: TunnelError | undefined;
  /** Skipped known_hosts lines and failed appends, for the caller's log. */
  readonly warnings: readonly string[];
}

interface LoadedHosts {
  entries: KnownHostsEntry[];
  warnings: string[];
}

async function loadKnownHosts(files: readonly string[]): Promise<LoadedHosts> {
  const loaded: LoadedHosts = { entries: [], warnings: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // A missing file is normal (OpenSSH lists known_hosts2 and the global files by default).
      if (code !== 'ENOENT' && code !== 'ENOTDIR') loaded.warnings.push(`cannot read ${file}: ${code}`);
      continue;
    }
    const parsed = parseKnownHosts(text, file);
    loaded.entries.push(...parsed.entries);
    loaded.warnings.push(...parsed.warnings);
  }
  return loaded;
}

/** Appends like ssh does: first UserKnownHostsFile, directory 0700, file 0600. */
async function appendKnownHost(target: SshTarget, key: Buffer): Promise<string> {
  const file = target.userKnownHostsFiles[0];
  if (!file) throw new Error('no UserKnownHostsFile is configured');
  const keyType = blobKeyType(key) ?? 'unknown';
  const line = knownHostsLine(lookupName(target), { keyType, keyBlob: key, hashed: target.hashKnownHosts });
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const handle = await fs.open(file, 'a+', 0o600);
  try {
    const { size } = await handle.stat();
    // Never glue our line onto a last line that lacks its newline.
    const previous = size > 0 ? Buffer.alloc(1) : undefined;
    if (previous) await handle.read(previous, 0, 1, size - 1);
    await handle.appendFile(`${previous && previous[0] !== 0x0a ? '\n' : ''}${line}\n`);
  } finally {
    await handle.close();
  }
  return file;
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
  private readonly name: string;

  constructor(
    private readonly target: SshTarget,
    private readonly policy: HostKeyPolicy,
    private readonly entries: KnownHostsEntry[],
    readonly warnings: string[],
  ) {
    this.name = lookupName(target);
  }

  async decide(key: Buffer): Promise<boolean> {
    const { target, name } = this;
    if (this.pinned) {
      if (this.pinned.equals(key)) return true;
      return this.refuse(rekeyError(target, name, key));
    }
    const check = checkHostKey(this.entries, { hostNames: [name], keyBlob: key });
    if (check.status === 'match') return this.pin(key);
    if (check.status === 'revoked') return this.refuse(revokedError(name, key, check));
    // StrictHostKeyChecking=no lets OpenSSH go on with a changed key (with auth restricted); we always
    // refuse: a tunnel that carries kubeconfig credentials must not talk to an impostor.
    if (check.status === 'changed') return this.refuse(changedError(target, name, key, check));
    // ssh looks a new [host]:port up once more under the bare host, and takes only the exact key there.
    const bare = portlessName(target);
    if (bare && checkHostKey(this.entries, { hostNames: [bare], keyBlob: key }).status === 'match') {
      return this.pin(key);
    }
    const verdict = await mayAcceptNew(target, this.policy, promptText(name, key));
    if (!verdict.accepted) return this.refuse(unknownError(target, name, key, check, verdict.why));
    try {
      const file = await appendKnownHost(target, key);
      this.warnings.push(`Permanently added '${name}' (${displayType(blobKeyType(key) ?? '')}) to ${file}.`);
    } catch (error) {
      // Like ssh: a failed append is a warning, the key was still accepted for this connection.
      this.warnings.push(`Failed to add the host key of ${name} to known_hosts: ${(error as Error).message}`);
    }
    return this.pin(key);
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
    // Block body, returns nothing, calls `verify` exactly once: see ssh2.md §0.
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
  };
}
