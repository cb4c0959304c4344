// The publickey half of auth.ts: the keys to offer, in sshconnect2.c pubkey_prepare's order (agent
// keys matching an IdentityFile, other agent keys unless IdentitiesOnly, then the files), and the next
// one to offer. Keys ssh2 cannot use (certificates, FIDO keys) are kept as skipped, named in a failure.
import type { NextAuthHandler, ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import { agentLabel, listAgentKeys, SingleKeyAgent } from './agent-keys.js';
import type { SecretState } from './auth-secrets.js';
import { findCertificates, type IdentityFile, loadIdentityFiles, type SkippedIdentity } from './key-files.js';
import { fingerprintSha256 } from './known-hosts.js';
import { displayKeyType } from './probe.js';
import type { SshTarget } from './types.js';

export interface KeyOptions {
  askPassphrase?: (file: string) => Promise<string | undefined>;
  agentTimeoutMs?: number;
}

export type Candidate =
  | { kind: 'agent'; key: ParsedKey; label: string }
  | { kind: 'file'; file: IdentityFile; label: string };

/** sshconnect2.c pubkey_prepare's order; files already covered by an agent key are not offered twice. */
export function orderCandidates(agentKeys: ParsedKey[], files: IdentityFile[], identitiesOnly: boolean) {
  const inAgent = (file: IdentityFile) =>
    agentKeys.some((key) => file.publicBlob !== undefined && key.getPublicSSH().equals(file.publicBlob));
  const matchesFile = (key: ParsedKey) => files.some((file) => file.publicBlob?.equals(key.getPublicSSH()));
  const toAgent = (key: ParsedKey): Candidate => ({
    kind: 'agent',
    key,
    label: agentLabel(key.getPublicSSH(), key.comment),
  });
  return [
    ...agentKeys.filter(matchesFile).map(toAgent),
    ...(identitiesOnly ? [] : agentKeys.filter((key) => !matchesFile(key)).map(toAgent)),
    ...files
      .filter((file) => !inAgent(file))
      .map((file): Candidate => ({ kind: 'file', file, label: file.path })),
  ];
}

export interface LoadedKeys {
  agentKeys: ParsedKey[];
  agent: InstanceType<typeof ssh2.OpenSSHAgent> | undefined;
  files: IdentityFile[];
  skipped: SkippedIdentity[];
}

export async function loadKeys(target: SshTarget, options: KeyOptions): Promise<LoadedKeys> {
  const { usable, skipped } = await loadIdentityFiles(target.identityFiles);
  skipped.push(...(await findCertificates(target.identityFiles, target.certificateFiles)));
  let agentKeys: ParsedKey[] = [];
  let agent: InstanceType<typeof ssh2.OpenSSHAgent> | undefined;
  if (target.identityAgent) {
    try {
      const listed = await listAgentKeys(target.identityAgent, options.agentTimeoutMs ?? 5000);
      agentKeys = listed.usable;
      skipped.push(...listed.unusable);
      agent = new ssh2.OpenSSHAgent(target.identityAgent);
    } catch (error) {
      skipped.push({
        path: `agent ${target.identityAgent}`,
        reason: `unreachable (${(error as Error).message})`,
      });
    }
  }
  const files = usable.filter((file) => {
    if (!file.encrypted || options.askPassphrase) return true;
    const why = target.batchMode
      ? 'BatchMode forbids asking for its passphrase'
      : 'there is no terminal to ask for its passphrase';
    skipped.push({ path: file.path, reason: `encrypted, and ${why}` });
    return false;
  });
  for (const file of files) {
    const agentHasIt = agentKeys.some((key) => file.publicBlob?.equals(key.getPublicSSH()));
    if (file.privateKey === undefined && !agentHasIt) {
      skipped.push({ path: file.path, reason: 'only its .pub exists and the agent does not hold the key' });
    }
  }
  return { agentKeys, agent, files, skipped };
}

export interface PlanState {
  target: SshTarget;
  candidates: Candidate[];
  agent: InstanceType<typeof ssh2.OpenSSHAgent> | undefined;
  skipped: SkippedIdentity[];
  askPassphrase: KeyOptions['askPassphrase'];
  secrets: SecretState;
}

/** Up to three passphrase attempts, like ssh; undefined when the user gives up or never gets it right. */
async function decryptKey(file: IdentityFile, plan: PlanState): Promise<ParsedKey | undefined> {
  for (let attempt = 0; attempt < 3 && plan.askPassphrase; attempt++) {
    const passphrase = await plan.askPassphrase(file.path);
    if (passphrase === undefined || passphrase === '') {
      plan.skipped.push({ path: file.path, reason: 'encrypted, no passphrase given' });
      return undefined;
    }
    const parsed = ssh2.utils.parseKey(file.privateKey ?? '', passphrase);
    if (!(parsed instanceof Error)) return parsed;
  }
  plan.skipped.push({ path: file.path, reason: 'encrypted, the passphrase was wrong' });
  return undefined;
}

/** One request sent to the server, remembered to read its answer and to name it later. */
export interface Attempt {
  auth: Parameters<NextAuthHandler>[0];
  /** For the failure message: a key's path or agent label, "password", "keyboard-interactive". */
  label: string;
  /** For doctor: "publickey ED25519 SHA256:…", "password". */
  method: string;
  agent?: SingleKeyAgent;
}

const keyMethod = (key: ParsedKey) =>
  `publickey ${displayKeyType(key.type)} ${fingerprintSha256(key.getPublicSSH())}`;

/** The next key to offer, or undefined when none is left (the publickey method is then done). */
export async function nextKey(plan: PlanState): Promise<Attempt | undefined> {
  const username = plan.target.user;
  for (let candidate = plan.candidates.shift(); candidate; candidate = plan.candidates.shift()) {
    if (candidate.kind === 'agent' && plan.agent) {
      const agent = new SingleKeyAgent(plan.agent, candidate.key);
      const auth = { type: 'agent', username, agent } as const;
      return { auth, label: candidate.label, method: keyMethod(candidate.key), agent };
    }
    if (candidate.kind !== 'file') continue;
    const key = candidate.file.encrypted
      ? await decryptKey(candidate.file, plan)
      : ssh2.utils.parseKey(candidate.file.privateKey ?? '');
    if (key === undefined || key instanceof Error) continue;
    return { auth: { type: 'publickey', username, key }, label: candidate.label, method: keyMethod(key) };
  }
  return undefined;
}
