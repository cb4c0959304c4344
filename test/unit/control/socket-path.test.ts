import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  agentLockPath,
  controlSocketPath,
  legacyControlSocketPath,
  MAX_SOCKET_PATH_BYTES,
} from '../../../src/config/paths.js';

describe('controlSocketPath', () => {
  it('lives under the state directory when the path is short enough', () => {
    expect(controlSocketPath({ TUNNEL_HOME: '/home/me/.tunnel' }, 'linux')).toBe(
      '/home/me/.tunnel/run/agent.sock',
    );
    expect(agentLockPath({ TUNNEL_HOME: '/home/me/.tunnel' }, 'linux')).toBe('/home/me/.tunnel/agent.lock');
  });

  it('falls back to a short per-user path when TUNNEL_HOME is too deep for sun_path', () => {
    const deep = `/home/me/${'very-long-directory-name/'.repeat(6)}tunnel`;
    const socket = controlSocketPath({ TUNNEL_HOME: deep }, 'darwin');
    const uid = process.getuid?.() ?? 0;
    expect(path.dirname(socket)).toBe(`/tmp/tunnel-${uid}`);
    expect(socket).toMatch(/\/[0-9a-f]{16}\.sock$/);
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    // One socket per state directory: another deep home gets another socket.
    expect(controlSocketPath({ TUNNEL_HOME: `${deep}2` }, 'darwin')).not.toBe(socket);
    expect(controlSocketPath({ TUNNEL_HOME: deep }, 'darwin')).toBe(socket);
  });

  // launchd starts the login item without TMPDIR (node then says /tmp); Terminal's shell has the
  // per-user /var/folders/…/T/. The CLI and that agent must still compute one and the same path.
  it('does not depend on TMPDIR: a launchd-started agent and a shell meet on one socket', () => {
    const home = `/Users/${'a-long-user-name-'.repeat(3)}`;
    const shell = controlSocketPath(
      { HOME: home, TMPDIR: '/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/' },
      'darwin',
    );
    const launchd = controlSocketPath({ HOME: home }, 'darwin');
    const other = controlSocketPath({ HOME: home, TMPDIR: `/var/${'t'.repeat(120)}` }, 'darwin');
    expect(shell).toBe(launchd);
    expect(other).toBe(launchd);
    expect(launchd.startsWith(`/tmp/tunnel-${process.getuid?.() ?? 0}/`)).toBe(true);
  });

  it('TUNNEL_SOCKET_TMP (tests) replaces /tmp, and nothing else does', () => {
    const deep = `/home/me/${'d'.repeat(120)}`;
    const socket = controlSocketPath({ TUNNEL_HOME: deep, TUNNEL_SOCKET_TMP: '/srv/t' }, 'linux');
    expect(path.dirname(path.dirname(socket))).toBe('/srv/t');
  });

  it("macOS's default state path for a long user name still fits", () => {
    const socket = controlSocketPath({ HOME: `/Users/${'u'.repeat(40)}` }, 'darwin');
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
  });

  // An older release put the fallback under $TMPDIR: the CLI looks there too after an upgrade.
  it("an older release's socket under a Terminal's TMPDIR is looked up as well, and only then", () => {
    const home = `/Users/${'a-long-user-name-'.repeat(3)}`;
    const terminal = '/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/';
    const today = controlSocketPath({ HOME: home, TMPDIR: terminal }, 'darwin');
    const legacy = legacyControlSocketPath({ HOME: home, TMPDIR: terminal }, 'darwin');
    expect(legacy).toBe(path.join(terminal, path.basename(path.dirname(today)), path.basename(today)));
    expect(legacyControlSocketPath({ HOME: home, TMPDIR: '/tmp' }, 'darwin')).toBeUndefined();
    expect(legacyControlSocketPath({ HOME: '/Users/me', TMPDIR: terminal }, 'darwin')).toBeUndefined();
  });
});
