// What a person reads when the OpenSSH master fails to log in or ends: ssh's stderr turned into the
// same error codes the ssh2 transport uses, remote text escaped.
import { describe, expect, it } from 'vitest';
import { closeReason, loginError } from '../../../src/openssh/close-reason.js';
import { nothingAnswered } from '../../../src/supervisor/backoff.js';
import { sshTarget } from '../../builders.js';

const target = sshTarget({ alias: 'devserver', hostName: '127.0.0.1', port: 2222, user: 'me' });
const none = { unanswered: false };

const CHANGED = `@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!
Someone could be eavesdropping on you right now (man-in-the-middle attack)!
It is also possible that a host key has just been changed.
The fingerprint for the ED25519 key sent by the remote host is
SHA256:jGOa5U4p+xvrx/dTJmDaNUScQVW8LQBFZvk5OooXfwc.
Please contact your system administrator.
Add correct host key in /home/me/.ssh/known_hosts to get rid of this message.
Offending ED25519 key in /home/me/.ssh/known_hosts:1
  remove with:
  ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[127.0.0.1]:2222"
Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.
Host key verification failed.
`;

describe('loginError', () => {
  it('a refused TCP connect (sshd restarting) carries ECONNREFUSED, so the supervisor retries it quickly', () => {
    const stderr = 'ssh: connect to host 127.0.0.1 port 2222: Connection refused\n';
    const error = loginError(target, stderr, none);
    expect(error.code).toBe('SSH_CONNECT');
    expect(nothingAnswered(error)).toBe('refused');
    expect(nothingAnswered(loginError(target, 'ssh: Could not resolve hostname x\n', none))).toBe(undefined);
  });

  it('closed before the server identified itself (a TCP proxy in front of a stopped sshd) is retried quickly too', () => {
    const stderr =
      'kex_exchange_identification: Connection closed by remote host\nConnection closed by 127.0.0.1 port 2222\n';
    const error = loginError(target, stderr, none);
    expect(error.code).toBe('SSH_CONNECT');
    expect(error.message).toContain('kex_exchange_identification: Connection closed by remote host');
    expect(nothingAnswered(error)).toBe('closed-before-ident');
    const reset = 'kex_exchange_identification: read: Connection reset by peer\n';
    expect(nothingAnswered(loginError(target, reset, none))).toBe('closed-before-ident');
    // Through a jump host: an ordinary failure (connect-errors.ts says why).
    const jumped = sshTarget({
      alias: 'devserver',
      hostName: '10.0.0.2',
      port: 22,
      user: 'me',
      proxyJump: 'jump',
    });
    expect(nothingAnswered(loginError(jumped, stderr, none))).toBe(undefined);
    // OpenSSH 9.5+ at LogLevel INFO prints only this line for the same close (the "kex_exchange_
    // identification" line moved to VERBOSE), which no more says "before the banner": a known limit.
    const later = 'Connection closed by 127.0.0.1 port 2222\n';
    expect(nothingAnswered(loginError(target, later, none))).toBe(undefined);
  });

  it('a changed host key is HOST_KEY_CHANGED with the fingerprint and the offending line', () => {
    const error = loginError(target, CHANGED, none);
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain('SHA256:jGOa5U4p+xvrx/dTJmDaNUScQVW8LQBFZvk5OooXfwc');
    expect(error.message).toContain('Offending ED25519 key in /home/me/.ssh/known_hosts:1');
    expect(error.hint).toContain('ssh-keygen -f "/home/me/.ssh/known_hosts" -R "[127.0.0.1]:2222"');
  });

  it('an unknown host key ssh did not accept is HOST_KEY_UNKNOWN', () => {
    const stderr =
      'No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\r\n' +
      'Host key verification failed.\r\n';
    const error = loginError(target, stderr, none);
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toContain('No ED25519 host key is known for [127.0.0.1]:2222');
    expect(error.hint).toContain('ssh devserver');
    const unattended = loginError(target, stderr, { unanswered: false, unattended: true });
    expect(unattended.message).toContain('a background reconnect never trusts a new key');
  });

  it('Permission denied is SSH_AUTH, or SSH_NEEDS_ANSWER when a question went unanswered', () => {
    const stderr = 'me@127.0.0.1: Permission denied (publickey,keyboard-interactive).\n';
    expect(loginError(target, stderr, none).code).toBe('SSH_AUTH');
    const needs = loginError(target, stderr, { unanswered: true });
    expect(needs.code).toBe('SSH_NEEDS_ANSWER');
    expect(needs.hint).toContain('tunnel connect devserver');
  });

  it('anything else is SSH_CONNECT quoting ssh, escaped', () => {
    const error = loginError(target, 'ssh: connect to host 127.0.0.1 port 2222: Connection refused\n', none);
    expect(error.code).toBe('SSH_CONNECT');
    expect(error.message).toContain('Connection refused');
    const hostile = loginError(target, 'kex_exchange_identification: banner \x1b[2J\n', none);
    expect(hostile.message).not.toMatch(/\x1b/);
  });
});

describe('closeReason', () => {
  it('tells our close, a dead link and a server that went away apart', () => {
    expect(closeReason('Connection to 1.2.3.4 closed by remote host.', true).kind).toBe('local');
    expect(closeReason('Timeout, server 127.0.0.1 not responding.\r\n', false)).toEqual({
      kind: 'keepalive',
      message: 'Timeout, server 127.0.0.1 not responding.',
    });
    expect(closeReason('Connection to 127.0.0.1 closed by remote host.\n', false).kind).toBe('remote');
    expect(closeReason('client_loop: send disconnect: Broken pipe\n', false).kind).toBe('remote');
    expect(closeReason('', false).kind).toBe('remote');
  });
});
