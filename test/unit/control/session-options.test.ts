// A session's transport and askpass program as they cross the control socket and the saved-session
// files: kept as sent, older frames without them mean the defaults, anything else is refused.
import { describe, expect, it } from 'vitest';
import { deserializeOptions, serializeOptions } from '../../../src/control/session-options.js';
import { FieldError, readSessionOptions } from '../../../src/control/validate.js';
import { sessionOptions } from '../../builders.js';

/** The options as they arrive: serialized, then through JSON (which drops undefined fields). */
function wire(options: object): Record<string, unknown> {
  return { options: JSON.parse(JSON.stringify(options)) };
}

describe('session options on the wire: transport and askpass', () => {
  it('round-trip through JSON unchanged', () => {
    const options = sessionOptions({ transport: 'openssh', askpass: '/usr/lib/ssh/ssh-askpass' });
    expect(deserializeOptions(readSessionOptions(wire(serializeOptions(options))))).toEqual(options);
    const plain = sessionOptions();
    expect(deserializeOptions(readSessionOptions(wire(serializeOptions(plain))))).toEqual(plain);
  });

  it('an older client or saved session without them means auto and no askpass', () => {
    const { transport: _t, askpass: _a, ...older } = serializeOptions(sessionOptions());
    const read = readSessionOptions(wire(older));
    expect(read.transport).toBe('auto');
    expect(read.askpass).toBeUndefined();
  });

  it.each([
    [{ transport: 'telnet' }, /field "transport" must be auto, ssh2, openssh/],
    [{ transport: 7 }, /field "transport" must be a string/],
    [{ askpass: 'ssh-askpass' }, /field "askpass" must be an absolute path/],
    [{ askpass: '/bin/ask\u001b[2J' }, /field "askpass" must be an absolute path/],
    [{ askpass: `/${'x'.repeat(5000)}` }, /field "askpass" must be an absolute path/],
  ])('refuses %j', (field, message) => {
    const frame = wire({ ...serializeOptions(sessionOptions()), ...field });
    expect(() => readSessionOptions(frame)).toThrow(FieldError);
    expect(() => readSessionOptions(frame)).toThrow(message);
  });
});
