// What the OpenSSH master's stderr says, in our words: why a login failed (a TunnelError with a hint, as
// ssh/connect-errors.ts and host-key-messages.ts word them) and why an open master ended (CloseReason).
// Pure. The stderr holds remote text (a server's DISCONNECT reason, a jump host's banner): quoted only
// through remoteText, never whole.
import { TunnelError } from '../errors.js';
import { escapeControls, remoteText, stderrLines } from '../redact.js';
import { AnswerRefusedError } from '../ssh/answer-refused.js';
import { describeTarget, NO_SSH_IDENT } from '../ssh/connect-errors.js';
import type { CloseReason, SshTarget } from '../ssh/types.js';

/** What happened during the login besides the stderr: it decides SSH_NEEDS_ANSWER. */
export interface LoginContext {
  /** A question (password, code, PIN) got no answer, or password/keyboard-interactive were turned off
   *  because nobody can answer them. */
  unanswered: boolean;
  /** A password, code or PIN was answered through the relay: a denial is then marked (answer-refused.ts). */
  answered?: boolean;
  /** A background reconnect: StrictHostKeyChecking was yes whatever the config says. */
  unattended?: boolean;
}

// Lines ssh prints that explain nothing about a failure.
const NOISE = /^(Warning: Permanently added |channel \d+: open failed|ControlSocket .* already exists)/;

function meaningful(stderr: string): string[] {
  return stderrLines(stderr).filter((line) => !NOISE.test(line) && !/^@+$/.test(line));
}

function quoted(lines: string[], count = 2): string {
  return remoteText(lines.slice(-count).join(' | '));
}

function lineWith(lines: string[], pattern: RegExp): string | undefined {
  return lines.find((line) => pattern.test(line));
}

/** The `ssh-keygen -f "<file>" -R "<host>"` line ssh prints under a changed-key warning. */
function removeCommand(lines: string[]): string {
  const command = lineWith(lines, /^\s*ssh-keygen -f .* -R /)?.trim();
  return command ? escapeControls(command) : 'ssh-keygen -R <host>';
}

function hostKeyError(target: SshTarget, lines: string[], context: LoginContext): TunnelError | undefined {
  if (lines.some((line) => /REVOKED HOST KEY DETECTED|is marked as revoked/.test(line))) {
    return new TunnelError(
      'HOST_KEY_REVOKED',
      `ssh refused the host key of ${describeTarget(target)}: it is marked @revoked in known_hosts.`,
      { hint: 'Do not connect: ask the dev server admin for a new host key, then accept it once with ssh.' },
    );
  }
  if (
    lines.some((line) =>
      /REMOTE HOST IDENTIFICATION HAS CHANGED|has changed and you have requested/.test(line),
    )
  ) {
    const fingerprint = lines[lines.findIndex((line) => /fingerprint for the .* key sent/.test(line)) + 1];
    const offending = lineWith(lines, /^Offending .* key in /);
    const details = [fingerprint, offending].filter((line) => line !== undefined);
    return new TunnelError(
      'HOST_KEY_CHANGED',
      `WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for ${describeTarget(target)}` +
        `${details.length > 0 ? ` (${quoted(details)})` : ''}. Someone could be eavesdropping on you ` +
        '(man-in-the-middle attack), or the host key was just changed.',
      {
        hint:
          `If you know the server's key changed, remove the old entry with: ${removeCommand(lines)} ; ` +
          `then run: ssh ${target.alias}`,
      },
    );
  }
  if (!lines.some((line) => line.startsWith('Host key verification failed'))) return undefined;
  const said = lineWith(lines, /host key is known for .* requested strict checking/);
  const why = context.unattended
    ? 'a background reconnect never trusts a new key, only a connect you run does'
    : said && quoted([said.replace(/\.$/, '')], 1);
  return new TunnelError(
    'HOST_KEY_UNKNOWN',
    `The host key of ${describeTarget(target)} is not in known_hosts and ssh did not accept it` +
      `${why ? `: ${why}` : ''}.`,
    {
      hint:
        `Check the fingerprint, then run \`ssh ${target.alias}\` once to accept it, ` +
        'or pass --accept-new-host-key.',
    },
  );
}

function authFailure(target: SshTarget, lines: string[], context: LoginContext): TunnelError | undefined {
  const found = lineWith(lines, /Permission denied \(|Too many authentication failures/);
  if (!found) return undefined;
  const denied = found.replace(/\.$/, '');
  const where = `${target.user}@${target.hostName}:${target.port}`;
  if (context.unanswered) return needsAnswerError(target, quoted([denied], 1));
  const message = `Authentication to ${where} failed: ${quoted([denied], 1)}.`;
  const hint = `Check that plain ssh logs in: ssh -v ${target.alias}`;
  if (context.answered) return new AnswerRefusedError(message, { hint });
  return new TunnelError('SSH_AUTH', message, { hint });
}

/** A password, code or PIN was needed and nobody could answer (`said`: what ssh said, when it did). */
export function needsAnswerError(target: SshTarget, said?: string): TunnelError {
  const where = `${target.user}@${target.hostName}:${target.port}`;
  return new TunnelError(
    'SSH_NEEDS_ANSWER',
    `Logging in to ${where} needs an answer (a password, a one-time code or a PIN) and nobody could give it` +
      `${said ? ` (${said})` : ''}.`,
    { hint: `Run \`tunnel connect ${target.alias}\` in a terminal to answer it.` },
  );
}

// "kex_exchange_identification: Connection closed by remote host" (or "read: Connection reset by peer";
// "ssh_exchange_identification:" before OpenSSH 8.0): the TCP connect succeeded and the peer hung up before
// its SSH-2.0 line, as a TCP proxy in front of a stopped sshd does (retry-policy.ts rule 2; not through
// ProxyCommand/ProxyJump: connect-errors.ts). A known limit: since OpenSSH 9.5 the "closed" line is
// logged only at VERBOSE, and the master runs at LogLevel INFO (argv.ts), where ssh says only
// "Connection closed by <ip> port N", the same as for a close after the banner; so on 9.5+ only the
// reset is recognised and a close is an ordinary failure. Raising the master's LogLevel would put
// more of ssh's chatter among the lines we read, for a case ssh2 (the default transport) gets right.
const NO_IDENT =
  /^(kex|ssh)_exchange_identification: (Connection closed by remote host|read: Connection reset by peer)/;

function beforeIdent(target: SshTarget, lines: string[]): boolean {
  return !target.proxyCommand && !target.proxyJump && lineWith(lines, NO_IDENT) !== undefined;
}

function noIdentCause(lines: string[]): Error {
  return Object.assign(new Error(remoteText(lineWith(lines, NO_IDENT) ?? '')), { code: NO_SSH_IDENT });
}

/** The master exited before it was logged in: why, from its stderr. */
export function loginError(target: SshTarget, stderr: string, context: LoginContext): TunnelError {
  const lines = meaningful(stderr);
  const known = hostKeyError(target, lines, context) ?? authFailure(target, lines, context);
  if (known) return known;
  const said = lines.length > 0 ? quoted(lines) : 'ssh exited without saying why';
  // "connect to host … port 22: Connection refused": sshd is restarting. The supervisor retries such a
  // failure quickly (backoff.ts nothingAnswered), as it does for ssh2's ECONNREFUSED.
  const refused = lineWith(lines, /: Connection refused$/);
  return new TunnelError('SSH_CONNECT', `Cannot connect to ${describeTarget(target)}: ${said}`, {
    hint: `Check that plain ssh works: ssh -v ${target.alias}`,
    ...(refused ? { cause: Object.assign(new Error(remoteText(refused)), { code: 'ECONNREFUSED' }) } : {}),
    ...(!refused && beforeIdent(target, lines) ? { cause: noIdentCause(lines) } : {}),
  });
}

/** The master exited after login: 'local' when we closed it, 'keepalive' on ServerAlive timeouts. */
export function closeReason(stderr: string, closedLocally: boolean): CloseReason {
  if (closedLocally) return { kind: 'local', message: 'closed by tunnel' };
  const lines = meaningful(stderr);
  const timeout = lineWith(lines, /^Timeout, server .* not responding/);
  if (timeout) return { kind: 'keepalive', message: remoteText(timeout) };
  const said = lines.length > 0 ? quoted(lines) : 'the ssh master exited';
  if (lines.some((line) => /closed by remote host|Connection reset|Broken pipe|closed by /.test(line))) {
    return { kind: 'remote', message: `the server closed the connection (${said})` };
  }
  return { kind: lines.length > 0 ? 'error' : 'remote', message: said };
}
