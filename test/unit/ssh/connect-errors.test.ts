// What the server says before (or instead of) a finished handshake becomes the connect error a person
// reads. A DISCONNECT's text comes from whoever answered, before any host key was checked (anyone on the
// path can send one): it is shown escaped, redacted and bounded, never as terminal control sequences.
import { describe, expect, it } from 'vitest';
import { mapConnectError, type Ssh2Error } from '../../../src/ssh/connect-errors.js';
import type { SshTarget } from '../../../src/ssh/types.js';

const target = { alias: 'devserver', hostName: '127.0.0.1', port: 2222, user: 'dev' } as SshTarget;
const hostile = `\x1b]52;c;aGk=\x07\x1b[2J\nfake: ok K3S_TOKEN=s3cr3tvalue ${'x'.repeat(5000)}`;

function disconnect(message: string, code: number | string | undefined): Ssh2Error {
  return Object.assign(new Error(message), { code }) as Ssh2Error;
}

describe('mapConnectError', () => {
  it("shows the server's DISCONNECT text and other failures escaped, redacted and bounded", () => {
    for (const error of [disconnect(hostile, 11), disconnect(hostile, undefined)]) {
      const { message } = mapConnectError(target, error, `jump: ${hostile}`);
      expect(message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(message).toContain('\\x1b]52;c;aGk=\\x07');
      expect(message).not.toContain('s3cr3tvalue');
      expect(message.length).toBeLessThan(1200);
    }
    expect(mapConnectError(target, disconnect('Too many users', 11)).message).toBe(
      'Cannot connect to devserver (127.0.0.1:2222): the server disconnected: Too many users',
    );
  });

  it("shows a ProxyCommand's CRLF lines (ssh in raw mode) as lines, with no carriage return left", () => {
    const stderr =
      'kex_exchange_identification: Connection closed by remote host\r\n\r\nConnection closed\r\n';
    const { message } = mapConnectError(
      target,
      disconnect('Connection lost before handshake', undefined),
      stderr,
    );
    expect(message).toBe(
      'Cannot connect to devserver (127.0.0.1:2222): Connection lost before handshake ' +
        '(proxy: kex_exchange_identification: Connection closed by remote host | Connection closed)',
    );
  });
});
