// Who answers the master's questions: the host-key prompt gets yes/no questions (none without a
// terminal), askPassphrase the key file, askSecret the rest; a secret nobody answers stops the login and
// gets no reply (the helper is held until the login's ssh processes are dead: no empty password), and
// the login deadline does not run while a person is asked.
import { describe, expect, it } from 'vitest';
import { answerQuestions, type QuestionState } from '../../../src/openssh/questions.js';
import type { PausableDeadline } from '../../../src/ssh/handshake.js';

/** Counts how many questions ran inside deadline.around (the pause). */
function fakeDeadline() {
  const paused = { count: 0 };
  const deadline = {
    around: async <T>(task: () => Promise<T>) => {
      paused.count++;
      return await task();
    },
  } as unknown as PausableDeadline;
  return { deadline, paused };
}

function setup(from: Partial<Parameters<typeof answerQuestions>[0]> = {}) {
  const { deadline, paused } = fakeDeadline();
  const state: QuestionState = { unanswered: false };
  const failures: unknown[] = [];
  const answer = answerQuestions(
    { hostKeyPolicy: { acceptNewHostKey: false }, alias: 'dev', ...from },
    deadline,
    state,
    async (failure) => {
      failures.push(failure);
    },
  );
  return { answer, state, paused, stopped: () => failures.length, failures };
}

describe('answerQuestions', () => {
  it('answers a host-key question yes or no from the prompt, and nothing without one', async () => {
    const asked: string[] = [];
    const { answer, paused } = setup({
      hostKeyPolicy: {
        acceptNewHostKey: false,
        prompt: async (question) => {
          asked.push(question);
          return asked.length === 1;
        },
      },
    });
    expect(await answer({ kind: 'yes-no', question: 'Continue (yes/no)? ' })).toBe('yes');
    expect(await answer({ kind: 'yes-no', question: 'Continue (yes/no)? ' })).toBe('no');
    expect(paused.count).toBe(2);
    // Nobody to ask: "no", said (never an empty answer ssh could pass on).
    expect(await setup().answer({ kind: 'yes-no', question: 'Continue (yes/no)? ' })).toBe('no');
  });

  it('asks for a passphrase with the key file; no answer lets ssh skip the key', async () => {
    const { answer, state, stopped } = setup({
      askPassphrase: async (file) => (file === '/k/a' ? 'pw' : undefined),
    });
    expect(await answer({ kind: 'passphrase', file: '/k/a' })).toBe('pw');
    expect(await answer({ kind: 'passphrase', file: '/k/b' })).toBeUndefined();
    expect(state.unanswered).toBe(false);
    expect(stopped()).toBe(0);
  });

  it('asks other questions hidden; one nobody answers marks the login and stops it', async () => {
    const questions: unknown[] = [];
    const { answer, state, stopped } = setup({
      askSecret: async (question) => {
        questions.push(question);
        return questions.length === 1 ? '123456' : undefined;
      },
    });
    expect(await answer({ kind: 'secret', prompt: '(me@dev) Code: ' })).toBe('123456');
    expect(state.unanswered).toBe(false);
    const unanswered = await answer({ kind: 'secret', prompt: "me@dev's password: " });
    expect(unanswered).toEqual({ hold: expect.any(Promise) });
    expect(questions).toEqual([
      { prompt: '(me@dev) Code: ', echo: false },
      { prompt: "me@dev's password: ", echo: false },
    ]);
    expect(state.unanswered).toBe(true);
    expect(stopped()).toBe(1);
  });

  it('holds the helper when asking fails (a cancelled prompt), and stops the login with that error', async () => {
    const cancelled = new Error('Cancelled at the login prompt');
    const { answer, state, failures } = setup({
      askSecret: async () => {
        throw cancelled;
      },
    });
    expect(await answer({ kind: 'secret', prompt: '(me@dev) Code: ' })).toEqual({
      hold: expect.any(Promise),
    });
    expect(state.unanswered).toBe(true);
    expect(failures).toEqual([cancelled]);
  });

  it('holds the helper when there is no askSecret at all (nobody can answer)', async () => {
    const { answer, stopped } = setup();
    expect(await answer({ kind: 'secret', prompt: "me@dev's password: " })).toEqual({
      hold: expect.any(Promise),
    });
    expect(stopped()).toBe(1);
  });

  it('logs a notice (a security-key touch) and answers nothing', async () => {
    const logged: string[] = [];
    const { answer } = setup({ log: (_level, message) => logged.push(message) });
    expect(
      await answer({ kind: 'notice', text: 'Confirm user presence for key ED25519-SK' }),
    ).toBeUndefined();
    expect(logged).toEqual(['Confirm user presence for key ED25519-SK']);
  });
});
