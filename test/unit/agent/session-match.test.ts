// Whether a connect asks for the session the agent already has: a different transport is a different
// session; how questions are answered (the askpass program) is not.
import { describe, expect, it } from 'vitest';
import { sameOptions } from '../../../src/agent/session-match.js';
import { defaultServiceSelection } from '../../../src/config/resolve.js';
import { deserializeOptions, serializeOptions } from '../../../src/control/session-options.js';
import { readSessionOptions } from '../../../src/control/validate.js';
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

  it('another service selection is another session; the same one read back from the wire is not', () => {
    const all = sessionOptions({ services: { ...defaultServiceSelection(), mode: 'all' } });
    expect(sameOptions(all, sessionOptions())).toBe(false);
    const wire = { options: JSON.parse(JSON.stringify(serializeOptions(all))) };
    expect(sameOptions(deserializeOptions(readSessionOptions(wire)), all)).toBe(true);
  });
});
