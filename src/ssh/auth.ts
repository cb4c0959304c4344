// ssh2 authentication in OpenSSH's order (sshconnect2.c). First a "none" request to learn the server's
// methods; then, for each list the server sends, the next method of PreferredAuthentications that is in
// it and enabled (authmethod_get), each method kept until it has nothing more to send: publickey walks
// its keys (pubkey_prepare's order: agent keys matching an IdentityFile, other agent keys unless
// IdentitiesOnly, then the files), password and keyboard-interactive ask up to NumberOfPasswordPrompts
// times (auth-secrets.ts). A partial success (AuthenticationMethods publickey,keyboard-interactive) is a
// new list, so the order starts over. Never logs or returns key material, passphrases or answers.
import type { AuthHandlerMiddleware, NextAuthHandler } from 'ssh2';
import { TunnelError } from '../errors.js';
import { authFailure, SSH2_METHODS } from './auth-failure.js';
import { type Attempt, loadKeys, nextKey, orderCandidates, type PlanState } from './auth-keys.js';
import { keyboardAttempt, passwordAttempt, secretState } from './auth-secrets.js';
import type { AskSecret, SshTarget } from './types.js';

export interface AuthOptions {
  /** Asks for the passphrase of an encrypted key; resolve undefined to skip the key. Only with a terminal. */
  askPassphrase?: (file: string) => Promise<string | undefined>;
  /** Asks for a password or a keyboard-interactive answer; absent = nobody can answer (SSH_NEEDS_ANSWER). */
  askSecret?: AskSecret;
  /** sshd's MaxAuthTries (default 6): one more failed attempt and sshd disconnects us. */
  maxAttempts?: number;
  agentTimeoutMs?: number;
}

export interface AuthPlan {
  /** ssh2 `authHandler`. */
  readonly handler: AuthHandlerMiddleware;
  /** The error for a failed login: SSH_AUTH, SSH_NEEDS_ANSWER or SSH_UNSUPPORTED, naming what was tried. */
  failure(): TunnelError;
  /** How the login went so far, e.g. "publickey ED25519 SHA256:… + keyboard-interactive". */
  method(): string | undefined;
  /**
   * Resolves when the login must end now, with nothing more sent (a keyboard-interactive prompt nobody
   * answered): the handshake then closes the client and fails with failure().
   */
  readonly abandoned?: Promise<void>;
}

/** Loads keys and the agent's identities before connecting; the handler then only picks the next step. */
export async function prepareAuth(target: SshTarget, options: AuthOptions = {}): Promise<AuthPlan> {
  // BatchMode: no question of any kind (readconf.c: passphrases, passwords and codes alike).
  const asking = target.batchMode ? {} : options;
  const keys = await loadKeys(target, asking);
  const candidates = orderCandidates(keys.agentKeys, keys.files, target.identitiesOnly);
  const budget = options.maxAttempts ?? 6;
  for (const extra of candidates.splice(budget)) {
    keys.skipped.push({
      path: extra.label,
      reason: `not tried: sshd allows ${budget} attempts (MaxAuthTries)`,
    });
  }
  return createPlan({
    target,
    candidates,
    agent: keys.agent,
    skipped: keys.skipped,
    askPassphrase: asking.askPassphrase,
    secrets: secretState(target, asking.askSecret),
  });
}

/**
 * Keys OpenSSH could offer and ssh2 cannot (a certificate, an sk key) while the server still takes
 * publickey: nobody is asked for a password or code on ssh2, the login ends SSH_UNSUPPORTED so `auto`
 * tries OpenSSH (with those keys) before anyone is asked; asking first would ask twice.
 */
function keysLeftForOpenSsh(plan: PlanState, methods: readonly string[]): boolean {
  return methods.includes('publickey') && plan.skipped.some((skipped) => skipped.ssh2Unusable);
}

/** One attempt of the named method, or undefined when it has nothing (more) to send. */
async function attemptOf(
  name: string,
  plan: PlanState,
  methods: readonly string[],
): Promise<Attempt | undefined> {
  if (name === 'publickey') return await nextKey(plan);
  if (keysLeftForOpenSsh(plan, methods)) return undefined;
  const secret = name === 'password' ? await passwordAttempt(plan.secrets) : keyboardAttempt(plan.secrets);
  return secret ? { auth: secret as Attempt['auth'], label: secret.type, method: secret.type } : undefined;
}

/** The methods this config lets ssh2 use (PasswordAuthentication/KbdInteractiveAuthentication no drop theirs). */
function enabledMethods(target: SshTarget): Set<string> {
  const enabled = new Set(SSH2_METHODS);
  if (!target.kbdInteractiveAuthentication) enabled.delete('keyboard-interactive');
  if (!target.passwordAuthentication) enabled.delete('password');
  return enabled;
}

/** ssh2 accepts `false` ("no more methods") although @types/ssh2 does not say so. */
function giveUp(next: NextAuthHandler): void {
  (next as unknown as (auth: false) => void)(false);
}

/** What the login did so far: read for the next step, the failure message and doctor's label. */
interface Progress {
  tried: string[];
  accepted: string[];
  /** The server's last list of methods that can continue (null before the first answer). */
  methods: string[] | null;
  last: Attempt | undefined;
  /** The last attempt is already in `accepted`, or was the "none" that fetched a list after one. */
  lastCounted: boolean;
}

/**
 * Takes in the server's answer to the last attempt. Returns true when a "none" must fetch the list:
 * ssh2 does not pass on the answer to an agent key (client.js keeps the old list), so an agent key the
 * agent signed for, that did not log us in, was a partial success whose new list we do not know.
 */
function takeAnswer(progress: Progress, methodsLeft: string[] | null, partialSuccess: boolean): boolean {
  const previous = progress.last;
  if (!previous) return false;
  if (previous.agent) {
    if (!previous.agent.signed) return false;
    progress.accepted.push(previous.method);
    progress.lastCounted = true;
    return true;
  }
  if (partialSuccess && previous.method !== 'none') {
    progress.accepted.push(previous.method);
    progress.lastCounted = true;
  }
  progress.methods = methodsLeft ?? progress.methods;
  return false;
}

function createPlan(plan: PlanState): AuthPlan {
  const abandoned = new Promise<void>((resolve) => {
    plan.secrets.abandon = resolve;
  });
  const order = createOrder(plan.target.preferredAuthentications, enabledMethods(plan.target));
  const progress: Progress = { tried: [], accepted: [], methods: null, last: undefined, lastCounted: false };
  const none: Attempt = { auth: { type: 'none', username: plan.target.user }, label: 'none', method: 'none' };

  const send = (attempt: Attempt, next: NextAuthHandler) => {
    progress.last = attempt;
    progress.lastCounted = attempt === none && progress.accepted.length > 0;
    if (attempt !== none) progress.tried.push(attempt.label);
    next(attempt.auth);
  };
  const proceed = async (next: NextAuthHandler): Promise<void> => {
    for (let name = order.next(progress.methods ?? []); name; name = order.next(progress.methods ?? [])) {
      const attempt = await attemptOf(name, plan, progress.methods ?? []);
      if (attempt) return send(attempt, next);
      order.disable(name);
    }
    giveUp(next);
  };
  const handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    if (!progress.last || takeAnswer(progress, methodsLeft, partialSuccess)) return send(none, next);
    proceed(next).catch((error: unknown) => {
      // A prompt the person cancelled (Ctrl-C at a passphrase) ends the login with that, not SSH_AUTH.
      if (error instanceof TunnelError) plan.secrets.cancelled ??= error;
      giveUp(next);
    });
  };
  return { handler, method: () => describe(progress), failure: () => failureOf(plan, progress), abandoned };
}

/** "publickey ED25519 SHA256:… + keyboard-interactive": the partial successes, then the last attempt. */
function describe(progress: Progress): string | undefined {
  const { last, accepted, lastCounted } = progress;
  return last ? [...accepted, ...(lastCounted ? [] : [last.method])].join(' + ') : undefined;
}

function failureOf(plan: PlanState, progress: Progress): TunnelError {
  return (
    plan.secrets.cancelled ??
    authFailure({
      target: plan.target,
      tried: progress.tried,
      accepted: progress.accepted,
      skipped: plan.skipped,
      methods: progress.methods,
      unanswered: plan.secrets.unanswered,
      answersSent: plan.secrets.answersSent,
      noAskReason: plan.secrets.askerGiven ? undefined : plan.secrets.noAskReason,
    })
  );
}

/** sshconnect2.c authmethod_get: a new server list starts PreferredAuthentications over. */
function createOrder(preferred: readonly string[], enabled: Set<string>) {
  let supported: string | undefined;
  let position = 0;
  let current: string | undefined;
  return {
    next(methods: readonly string[]): string | undefined {
      const list = methods.join(',');
      if (list !== supported) {
        supported = list;
        position = 0;
        current = undefined;
      } else if (current && enabled.has(current)) return current;
      while (position < preferred.length) {
        const name = preferred[position++] as string;
        if (methods.includes(name) && enabled.has(name)) {
          current = name;
          return name;
        }
      }
      current = undefined;
      return undefined;
    },
    disable(name: string): void {
      enabled.delete(name);
    },
  };
}
