// Whether a connect asks for the session the agent already has: a different transport is a different
// session; how questions are answered (the askpass program) is not.
import { describe, expect, it } from 'vitest';
import { sameOptions } from '../../../src/agent/session-match.js';
import { sessionOptions } from '../../builders.js';

describe('sameOptions', () => {
  it('a connect from a terminal keeps the session a script started with SSH_ASKPASS', () => {
    expect(sameOptions(sessionOptions({ askpass: '/usr/bin/ssh-askpass' }), sessionOptions())).toBe(true);
  });

  it('another transport is another session', () => {
    expect(sameOptions(sessionOptions({ transport: 'openssh' }), sessionOptions({ transport: 'auto' }))).toBe(
      false,
    );
  });
});
