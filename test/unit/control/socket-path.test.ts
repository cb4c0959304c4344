import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentLockPath, controlSocketPath, MAX_SOCKET_PATH_BYTES } from '../../../src/config/paths.js';

describe('controlSocketPath', () => {
  it('lives under the state directory when the path is short enough', () => {
    expect(controlSocketPath({ TUNNEL_HOME: '/home/me/.tunnel' }, 'linux')).toBe(
      '/home/me/.tunnel/run/agent.sock',
    );
    expect(agentLockPath({ TUNNEL_HOME: '/home/me/.tunnel' }, 'linux')).toBe('/home/me/.tunnel/agent.lock');
  });

  it('falls back to a short per-user path when TUNNEL_HOME is too deep for sun_path', () => {
    const deep = `/home/me/${'very-long-directory-name/'.repeat(6)}tunnel`;
    const socket = controlSocketPath({ TUNNEL_HOME: deep, TMPDIR: '/tmp' }, 'darwin');
    const uid = process.getuid?.() ?? 0;
    expect(path.dirname(socket)).toBe(`/tmp/tunnel-${uid}`);
    expect(socket).toMatch(/\/[0-9a-f]{16}\.sock$/);
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    // One socket per state directory: another deep home gets another socket.
    expect(controlSocketPath({ TUNNEL_HOME: `${deep}2`, TMPDIR: '/tmp' }, 'darwin')).not.toBe(socket);
    expect(controlSocketPath({ TUNNEL_HOME: deep, TMPDIR: '/tmp' }, 'darwin')).toBe(socket);
  });

  it('uses /tmp when TMPDIR itself is too long', () => {
    const deep = `/home/me/${'d'.repeat(120)}`;
    const socket = controlSocketPath({ TUNNEL_HOME: deep, TMPDIR: `/var/${'t'.repeat(120)}` }, 'darwin');
    expect(socket.startsWith('/tmp/tunnel-')).toBe(true);
  });

  it("macOS's default state path for a long user name still fits", () => {
    const socket = controlSocketPath({ HOME: `/Users/${'u'.repeat(40)}`, TMPDIR: '/tmp' }, 'darwin');
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
  });
});
