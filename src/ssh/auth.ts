// Public-key authentication in OpenSSH's order (sshconnect2.c pubkey_prepare): agent keys matching an
// IdentityFile, other agent keys (unless IdentitiesOnly), then the files. Remembers every key it
// offered or skipped so a failure can name them. Never logs or returns key material or passphrases.
import type { AuthHandlerMiddleware, NextAuthHandler, ParsedKey } from 'ssh2';
import ssh2 from 'ssh2';
import { TunnelError } from '../errors.js';
import { type IdentityFile, loadIdentityFiles, type SkippedIdentity } from './key-files.js';
import { fingerprintSha256 } from './known-hosts.js';
import type { SshTarget } from './types.js';

export interface AuthOptions {
  /** Asks for the passphrase of an encrypted key; resolve undefined to skip the key. Only with a terminal. */
  askPassphrase?: (file: string) => Promise<string | undefined>;
  /** sshd's MaxAuthTries (default 6): one more failed attempt and sshd disconnects us. */
  maxAttempts?: number;
  agentTimeoutMs?: number;
}

type Candidate =
  | { kind: 'agent'; key: ParsedKey; label: string }
  | { kind: 'file'; file: IdentityFile; label: string };

export interface AuthPlan {
  /** ssh2 `authHandler`. */
  readonly handler: AuthHandlerMiddleware;
  /** The SSH_AUTH error for a failed login, naming every key tried and skipped. */
  failure(): TunnelError;
}

/** Hands ssh2 exactly one agent key per attempt, so we choose (and count) the order ourselves. */
class SingleKeyAgent extends ssh2.BaseAgent<ParsedKey> {
  constructor(
    private readonly agent: InstanceType<typeof ssh2.OpenSSHAgent>,
    private readonly key: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: (err: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [this.key]);
  }
  sign(pubKey: ParsedKey, data: Buffer, ...rest: unknown[]): void {
    (this.agent.sign as (...args: unknown[]) => void)(pubKey, data, ...rest);
  }
}

async function listAgentKeys(socketPath: string, timeoutMs: number): Promise<ParsedKey[]> {
  const agent = new ssh2.OpenSSHAgent(socketPath);
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    agent.getIdentities((error, keys) => {
      clearTimeout(timer);
      if (error) reject(error);
      // OpenSSHAgent yields parsed keys; anything else (a bare PublicKeyEntry) cannot be used here.
      else
        resolve(
          (keys ?? []).filter(
            (key): key is ParsedKey => typeof (key as ParsedKey).getPublicSSH === 'function',
          ),
        );
    });
  });
}

function agentLabel(key: ParsedKey): string {
  const comment = key.comment ? ` (${key.comment})` : '';
  return `agent key ${fingerprintSha256(key.getPublicSSH())}${comment}`;
}

/** sshconnect2.c pubkey_prepare's order; files already covered by an agent key are not offered twice. */
function orderCandidates(agentKeys: ParsedKey[], files: IdentityFile[], identitiesOnly: boolean) {
  const inAgent = (file: IdentityFile) =>
    agentKeys.some((key) => file.publicBlob !== undefined && key.getPublicSSH().equals(file.publicBlob));
  const matchesFile = (key: ParsedKey) => files.some((file) => file.publicBlob?.equals(key.getPublicSSH()));
  const toAgent = (key: ParsedKey): Candidate => ({ kind: 'agent', key, label: agentLabel(key) });
  return [
    ...agentKeys.filter(matchesFile).map(toAgent),
    ...(identitiesOnly ? [] : agentKeys.filter((key) => !matchesFile(key)).map(toAgent)),
    ...files
      .filter((file) => !inAgent(file))
      .map((file): Candidate => ({ kind: 'file', file, label: file.path })),
  ];
}

/** Loads keys and the agent's identities before connecting; the handler then only picks the next one. */
export async function prepareAuth(target: SshTarget, options: AuthOptions = {}): Promise<AuthPlan> {
  const { usable, skipped } = await loadIdentityFiles(target.identityFiles);
  let agentKeys: ParsedKey[] = [];
  let agent: InstanceType<typeof ssh2.OpenSSHAgent> | undefined;
  if (target.identityAgent) {
    try {
      agentKeys = await listAgentKeys(target.identityAgent, options.agentTimeoutMs ?? 5000);
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
    skipped.push({
      path: file.path,
      reason: 'encrypted, and there is no terminal to ask for its passphrase',
    });
    return false;
  });
  const candidates = orderCandidates(agentKeys, files, target.identitiesOnly);
  for (const file of files) {
    const agentHasIt = agentKeys.some((key) => file.publicBlob?.equals(key.getPublicSSH()));
    if (file.privateKey === undefined && !agentHasIt) {
      skipped.push({ path: file.path, reason: 'only its .pub exists and the agent does not hold the key' });
    }
  }
  const budget = options.maxAttempts ?? 6;
  for (const extra of candidates.splice(budget)) {
    skipped.push({ path: extra.label, reason: `not tried: sshd allows ${budget} attempts (MaxAuthTries)` });
  }
  return createPlan(target, { candidates, agent, skipped, askPassphrase: options.askPassphrase });
}

interface PlanState {
  candidates: Candidate[];
  agent: InstanceType<typeof ssh2.OpenSSHAgent> | undefined;
  skipped: SkippedIdentity[];
  askPassphrase: AuthOptions['askPassphrase'];
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

/** ssh2 accepts `false` ("no more methods") although @types/ssh2 does not say so. */
function giveUp(next: NextAuthHandler): void {
  (next as unknown as (auth: false) => void)(false);
}

function createPlan(target: SshTarget, plan: PlanState): AuthPlan {
  const tried: string[] = [];
  let serverMethods: string[] | null = null;
  const username = target.user;

  const offerNext = async (next: NextAuthHandler): Promise<void> => {
    for (let candidate = plan.candidates.shift(); candidate; candidate = plan.candidates.shift()) {
      if (candidate.kind === 'agent' && plan.agent) {
        tried.push(candidate.label);
        return next({ type: 'agent', username, agent: new SingleKeyAgent(plan.agent, candidate.key) });
      }
      if (candidate.kind !== 'file') continue;
      const key = candidate.file.encrypted
        ? await decryptKey(candidate.file, plan)
        : ssh2.utils.parseKey(candidate.file.privateKey ?? '');
      if (key === undefined || key instanceof Error) continue;
      tried.push(candidate.label);
      return next({ type: 'publickey', username, key });
    }
    giveUp(next);
  };

  const handler: AuthHandlerMiddleware = (methodsLeft, _partialSuccess, next) => {
    serverMethods = methodsLeft;
    // ssh2 passes null before the first attempt; afterwards the server's remaining methods.
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      giveUp(next);
      return;
    }
    offerNext(next).catch(() => giveUp(next));
  };

  return { handler, failure: () => authError(target, tried, plan.skipped, serverMethods) };
}

function authError(target: SshTarget, tried: string[], skipped: SkippedIdentity[], methods: string[] | null) {
  const where = `${target.user}@${target.hostName}:${target.port}`;
  const triedText = tried.length > 0 ? `tried ${tried.join(', ')}` : 'no key was available to try';
  const skippedText =
    skipped.length > 0 ? `; skipped ${skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}` : '';
  const methodsText =
    methods && !methods.includes('publickey') ? `; the server only offers: ${methods.join(', ')}` : '';
  const encrypted = skipped.filter((s) => s.reason.startsWith('encrypted'));
  const hint =
    encrypted.length > 0
      ? `Load the key into your agent, then retry: ${encrypted.map((s) => `ssh-add ${s.path}`).join(' ; ')}`
      : `Check that one of these public keys is in ~/.ssh/authorized_keys for ${target.user} on the server; ` +
        `debug with: ssh -v ${target.alias}`;
  return new TunnelError(
    'SSH_AUTH',
    `Authentication to ${where} failed: ${triedText}${skippedText}${methodsText}.`,
    {
      hint,
    },
  );
}
