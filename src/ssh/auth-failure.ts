// The error a failed ssh2 login ends with, from what the auth plan saw. Three kinds, because each asks
// for something different: SSH_NEEDS_ANSWER (a password or code was needed and nobody could give it:
// a person must run the command), SSH_UNSUPPORTED (the server wants what ssh2 cannot do, or OpenSSH
// holds a key ssh2 could not offer: the OpenSSH transport can, and `auto` falls back on it), and
// SSH_AUTH (every key and answer was refused). Never contains an answer or key material.
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import { pasteWord } from '../shell-word.js';
import { AnswerRefusedError } from './answer-refused.js';
import type { SkippedIdentity } from './key-files.js';
import type { SshTarget } from './types.js';

/** The auth methods ssh2's client implements (hostbased needs a host key we do not have). */
export const SSH2_METHODS: readonly string[] = ['publickey', 'keyboard-interactive', 'password'];

export interface AuthFacts {
  target: SshTarget;
  /** What was offered, in order ("password" once per attempt). */
  tried: string[];
  /** Methods the server accepted with partial success, in order. */
  accepted: string[];
  skipped: SkippedIdentity[];
  /** The server's last list of methods that can continue; null before it sent one. */
  methods: string[] | null;
  /** Questions that needed an answer nobody gave. */
  unanswered: string[];
  /** Passwords and keyboard-interactive responses sent (0: no secret reached the server). */
  answersSent?: number;
  /** Why nobody was asked, when nobody could be ("BatchMode is set"); undefined when asked but unanswered. */
  noAskReason: string | undefined;
  /** Decides the ssh-add advice (Apple's ssh-add has Keychain options); default process.platform. */
  platform?: NodeJS.Platform;
}

/** "password ×3" for repeated attempts, in first-seen order. */
function summarize(items: string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([item, count]) => (count > 1 ? `${item} ×${count}` : item)).join(', ');
}

/** How much of the server's method list a message quotes: a handful of names, never a document. */
const MAX_METHODS_TEXT = 200;

/** The server's list of methods (a name-list it sent: untrusted), escaped and bounded. */
function serverMethods(methods: readonly string[], separator: string): string {
  return remoteText(methods.join(separator), MAX_METHODS_TEXT);
}

function details(facts: AuthFacts): string {
  const parts = [facts.tried.length > 0 ? `tried ${summarize(facts.tried)}` : 'no key was available to try'];
  if (facts.accepted.length > 0) parts.push(`accepted ${facts.accepted.join(' + ')}, then more was required`);
  if (facts.skipped.length > 0)
    parts.push(`skipped ${facts.skipped.map((s) => `${s.path} (${s.reason})`).join(', ')}`);
  if (facts.methods && !facts.methods.includes('publickey'))
    parts.push(`the server only offers: ${serverMethods(facts.methods, ', ') || '(nothing)'}`);
  return parts.join('; ');
}

const openSshHint = (target: SshTarget) =>
  `Use the OpenSSH transport, which can: tunnel connect ${target.alias} --transport openssh`;

export function authFailure(facts: AuthFacts): TunnelError {
  const { target } = facts;
  const where = `${target.user}@${target.hostName}:${target.port}`;
  const methods = facts.methods;
  if (methods && methods.length > 0 && !methods.some((method) => SSH2_METHODS.includes(method))) {
    return new TunnelError(
      'SSH_UNSUPPORTED',
      `Authentication to ${where} needs ${serverMethods(methods, ' or ')}, which the ssh2 transport cannot do (${details(facts)}).`,
      { hint: openSshHint(target) },
    );
  }
  if (facts.unanswered.length > 0) return needsAnswer(facts, where);
  const publickeyLeft = methods === null || methods.includes('publickey');
  const sshOnly = facts.skipped.filter((skipped) => skipped.ssh2Unusable);
  const answersSent = facts.answersSent ?? 0;
  // Not after a password or code was refused: OpenSSH would ask them again (and fail them again).
  if (publickeyLeft && sshOnly.length > 0 && answersSent === 0) {
    return new TunnelError(
      'SSH_UNSUPPORTED',
      `Authentication to ${where} failed with the keys ssh2 can offer: ${details(facts)}.`,
      { hint: openSshHint(target) },
    );
  }
  const message = `Authentication to ${where} failed: ${details(facts)}.`;
  // A refused password or code is marked: an unattended login must not send it again (answer-refused.ts).
  if (answersSent > 0) return new AnswerRefusedError(message, { hint: authHint(facts) });
  return new TunnelError('SSH_AUTH', message, { hint: authHint(facts) });
}

function needsAnswer(facts: AuthFacts, where: string): TunnelError {
  const { target } = facts;
  const questions = [...new Set(facts.unanswered)].join(', ');
  const why = facts.noAskReason ?? 'nobody answered it';
  const hint = target.batchMode
    ? `BatchMode yes in the ssh config forbids questions; remove it for ${target.alias}, or use a key the server accepts alone`
    : `Run \`tunnel connect ${target.alias}\` at a terminal to answer it, or set SSH_ASKPASS to a program that can`;
  return new TunnelError(
    'SSH_NEEDS_ANSWER',
    `Login to ${where} needs an answer to ${questions}, and ${why} (${details(facts)}).`,
    { hint },
  );
}

/** A key path as one word to paste (`~/Library/Mobile Documents/…` has a space). */
const keyWord = (file: string): string => pasteWord(file, '<key file>');

// On a Mac the agent (launchd's, which the login item gets too) starts empty at every login, even for
// keys whose passphrase is in the Keychain: only `ssh-add --apple-load-keychain` or a first ssh with
// UseKeychain + AddKeysToAgent loads them. --apple-use-keychain/--apple-load-keychain replaced -K/-A
// in macOS 12 ("The -K and -A flags are deprecated", Apple's ssh-add); Homebrew's OpenSSH ssh-add has
// neither, hence /usr/bin/ssh-add.
function keychainHint(paths: string[]): string {
  return (
    `Load the key into your agent and its passphrase into the Keychain, then retry: ${paths.map((p) => `/usr/bin/ssh-add --apple-use-keychain ${keyWord(p)}`).join(' ; ')}. ` +
    'The agent starts empty after each login: `/usr/bin/ssh-add --apple-load-keychain` loads every key whose passphrase ' +
    'the Keychain holds, or set `UseKeychain yes` and `AddKeysToAgent yes` in ~/.ssh/config so your first ssh does it'
  );
}

function authHint(facts: AuthFacts): string {
  const { target, platform = process.platform } = facts;
  const encrypted = facts.skipped.filter((s) => s.reason.startsWith('encrypted'));
  if (encrypted.length > 0 && platform === 'darwin') return keychainHint(encrypted.map((s) => s.path));
  if (encrypted.length > 0)
    return `Load the key into your agent, then retry: ${encrypted.map((s) => `ssh-add ${keyWord(s.path)}`).join(' ; ')}`;
  const isSecret = (item: string) => item === 'password' || item === 'keyboard-interactive';
  if (facts.tried.length > 0 && facts.tried.every(isSecret))
    return `Check the password or code for ${target.user}; debug with: ssh -v ${target.alias}`;
  return (
    `Check that one of these public keys is in ~/.ssh/authorized_keys for ${target.user} on the server; ` +
    `debug with: ssh -v ${target.alias}`
  );
}
