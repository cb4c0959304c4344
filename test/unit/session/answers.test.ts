// Who answers an unattended reconnect (session/answers.ts): without an SSH_ASKPASS program nobody may
// be asked a password or code, so neither transport starts such a login; a refused answer from the
// program makes the session wait for a person; a person's refused answer stays SSH_AUTH for them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
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

  it("answers a key's passphrase typed earlier in the same connect, only when it opens the key", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-answers-'));
    try {
      const key = path.join(dir, 'id_ed25519');
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-a',
        '2',
        '-N',
        'right horse',
        '-C',
        'test',
        '-f',
        key,
      ]);
      const typed = ['wrong', 'right horse', 'again'];
      const person = vi.fn(async () => typed.shift());
      const answers = new SessionAnswers(undefined);
      const connect = answers.remembering({ askPassphrase: person });
      // ssh2 asks; the wrong answer does not open the key, so its next question reaches the person.
      expect(await connect.askPassphrase?.(key)).toBe('wrong');
      expect(await connect.askPassphrase?.(key)).toBe('right horse');
      // OpenSSH (auto's fallback) asks the same key again: answered without asking.
      expect(await connect.askPassphrase?.(key)).toBe('right horse');
      expect(person).toHaveBeenCalledTimes(2);
      // A later connect by a person asks them again.
      expect(await answers.remembering({ askPassphrase: person }).askPassphrase?.(key)).toBe('again');
      expect(person).toHaveBeenCalledTimes(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
