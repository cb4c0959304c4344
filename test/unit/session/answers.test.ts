// Who answers an unattended reconnect (session/answers.ts): without an SSH_ASKPASS program nobody may
// be asked a password or code, so neither transport starts such a login; a refused answer from the
// program makes the session wait for a person; a person's refused answer stays SSH_AUTH for them.
import { describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { SessionAnswers } from '../../../src/session/answers.js';
import { AnswerRefusedError } from '../../../src/ssh/answer-refused.js';

describe('SessionAnswers', () => {
  it('offers no secret asker unattended without an askpass program, one with it', () => {
    expect(new SessionAnswers(undefined).unattended().askSecret).toBeUndefined();
    expect(new SessionAnswers('/usr/bin/otp-askpass').unattended().askSecret).toBeTypeOf('function');
  });

  it('turns a refused answer into SSH_NEEDS_ANSWER only when nobody was at a terminal', () => {
    const answers = new SessionAnswers('/usr/bin/otp-askpass');
    const refused = new AnswerRefusedError('Authentication to me@dev:22 failed: tried password.', {
      hint: 'Check the password',
    });
    const unattended = answers.failure(refused, answers.unattended(), 'dev');
    expect(unattended).toMatchObject({ code: 'SSH_NEEDS_ANSWER', hint: /tunnel connect dev/ });
    expect(answers.failure(refused, answers.remembering({}), 'dev')).toBe(refused);
    const other = new TunnelError('SSH_AUTH', 'key refused');
    expect(answers.failure(other, answers.unattended(), 'dev')).toBe(other);
  });
});
