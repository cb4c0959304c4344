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
      const { message } = mapConnectError(target, error, { proxyStderr: `jump: ${hostile}` });
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
    const { message } = mapConnectError(target, disconnect('Connection lost before handshake', undefined), {
      proxyStderr: stderr,
    });
    expect(message).toBe(
      'Cannot connect to devserver (127.0.0.1:2222): Connection lost before handshake ' +
        '(proxy: kex_exchange_identification: Connection closed by remote host | Connection closed)',
    );
  });
});

/** A failed connect() as Node reports it from ssh2's socket (errno -65 is EHOSTUNREACH on macOS, -113 on Linux). */
function unreachable(address: string, errno = -65): Ssh2Error {
  return Object.assign(new Error(`connect EHOSTUNREACH ${address}:22`), {
    errno,
    code: 'EHOSTUNREACH',
    syscall: 'connect',
    address,
    port: 22,
    level: 'client-socket',
  }) as Ssh2Error;
}

describe('mapConnectError: EHOSTUNREACH and macOS Local Network privacy', () => {
  const lan = { alias: 'devbox', hostName: 'devbox.local', port: 22, user: 'dev' } as SshTarget;

  it.each([
    '192.168.1.40',
    '10.0.0.8',
    '172.16.4.2',
    '172.31.255.1',
    '169.254.10.20',
    'fe80::1c3a:5b1f:9e2d:4a71%en0',
    'fd12:3456:789a::10',
  ])('on a Mac, %s (a local-network address) gets the Local Network privacy hint', (address) => {
    const error = mapConnectError(lan, unreachable(address), { platform: 'darwin' });
    expect(error.message).toBe(
      'Cannot connect to devbox (devbox.local:22): no route to the host (VPN down?)',
    );
    expect(error.hint).toContain('System Settings → Privacy & Security → Local Network');
    expect(error.hint).toContain('allow node');
    expect(error.hint).toContain('Terminal has that permission');
    expect(error.hint).toContain('tunnel config set devbox transport openssh');
    expect(error.hint).not.toContain('Check that plain ssh works');
  });

  // The OpenSSH transport runs the first ssh on the agent's PATH (Homebrew's, often), and Apple's
  // /usr/bin/ssh is only reported exempt: the hint must not promise that it carries the host.
  it('does not promise /usr/bin/ssh: it says the transport may help and how to put Apple ssh first', () => {
    const error = mapConnectError(lan, unreachable('192.168.1.40'), { platform: 'darwin' });
    expect(error.hint).toContain('The OpenSSH transport may help');
    expect(error.hint).toContain("first ssh on the agent's PATH");
    expect(error.hint).toContain('PATH=/usr/bin:$PATH tunnel agent install');
    expect(error.hint).not.toMatch(/carry this host over \/usr\/bin\/ssh|is exempt/);
  });

  it.each(['203.0.113.7', '172.32.0.1', '2001:db8::7', '100.64.1.2'])(
    'on a Mac, %s (not a local-network address) keeps the plain-ssh hint',
    (address) => {
      const error = mapConnectError(lan, unreachable(address), { platform: 'darwin' });
      expect(error.hint).toBe('Check that plain ssh works: ssh -v devbox');
    },
  );

  it('on Linux a private address keeps the plain-ssh hint (there is no such permission)', () => {
    const error = mapConnectError(lan, unreachable('192.168.1.40', -113), { platform: 'linux' });
    expect(error.hint).toBe('Check that plain ssh works: ssh -v devbox');
  });

  it('without the address on the error, a HostName that is a LAN address decides', () => {
    const byIp = { ...lan, hostName: '192.168.1.40' } as SshTarget;
    const bare = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' }) as Ssh2Error;
    expect(mapConnectError(byIp, bare, { platform: 'darwin' }).hint).toContain('Local Network');
    expect(mapConnectError(lan, bare, { platform: 'darwin' }).hint).toBe(
      'Check that plain ssh works: ssh -v devbox',
    );
  });

  it('other network errors to a LAN address on a Mac keep their own words and hint', () => {
    const refused = Object.assign(unreachable('192.168.1.40'), { code: 'ECONNREFUSED', errno: -61 });
    const error = mapConnectError(lan, refused, { platform: 'darwin' });
    expect(error.message).toContain('connection refused');
    expect(error.hint).toBe('Check that plain ssh works: ssh -v devbox');
  });
});
