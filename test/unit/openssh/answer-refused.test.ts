// On the OpenSSH transport, a denial after the relay answered a password or code is marked
// (answerWasRefused), as on ssh2, so an unattended session waits for a person instead of retrying.
import { describe, expect, it } from 'vitest';
import { loginError } from '../../../src/openssh/close-reason.js';
import { answerWasRefused } from '../../../src/ssh/answer-refused.js';
import { sshTarget } from '../../builders.js';

const denied = 'me@dev: Permission denied (publickey,keyboard-interactive).\n';

describe('OpenSSH login refusals', () => {
  it('marks a denial after an answer was relayed; not one where none was', () => {
    const target = sshTarget();
    const refused = loginError(target, denied, { unanswered: false, answered: true });
    expect(refused.code).toBe('SSH_AUTH');
    expect(answerWasRefused(refused)).toBe(true);
    const keysOnly = loginError(target, denied, { unanswered: false });
    expect(keysOnly.code).toBe('SSH_AUTH');
    expect(answerWasRefused(keysOnly)).toBe(false);
    expect(loginError(target, denied, { unanswered: true, answered: true }).code).toBe('SSH_NEEDS_ANSWER');
  });
});
