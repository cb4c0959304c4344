// The control socket's directory and those above it: a home left 0775 under a user-private group (Debian's
// umask 002 default) is accepted as Debian's OpenSSH does, a group anyone else is in is not, and the socket
// is never, even for a moment, writable by others.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../../src/control/server.js';
import { startControlServer } from '../../../src/control/server.js';
import { checkAncestors } from '../../../src/control/socket-dir.js';
import { isPrivateGroup } from '../../../src/control/user-group.js';
import { silentLogger } from '../../../src/log.js';

const me = { uid: 1000, gid: 1000, name: 'me' };
const passwd =
  'root:x:0:0::/root:/bin/sh\nme:x:1000:1000::/home/me:/bin/sh\nyou:x:1001:1001::/home/you:/bin/sh\n';

describe('isPrivateGroup', () => {
  it.each([
    ['my own group, no listed members', 'me:x:1000:', passwd, true],
    ['my own group, listing only me', 'me:x:1000:me', passwd, true],
    ['a group that also lists someone else', 'me:x:1000:me,you', passwd, false],
    ['a group named otherwise (staff)', 'staff:x:1000:', passwd, false],
    [
      'a group that is another user’s primary group too',
      'me:x:1000:',
      `${passwd}ci:x:1002:1000::/:/bin/sh\n`,
      false,
    ],
    ['no such group', 'you:x:1001:', passwd, false],
  ])('%s → %s', (_case, group, passwdText, expected) => {
    expect(isPrivateGroup(1000, me, { group, passwd: passwdText })).toBe(expected);
  });

  it('is never a group other than my primary one', () => {
    expect(isPrivateGroup(1001, me, { group: 'me:x:1001:', passwd })).toBe(false);
  });
});

let base: string;
beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-sockdir-'));
});
afterEach(() => {
  fs.rmSync(base, { recursive: true, force: true });
});

describe('checkAncestors', () => {
  const uid = process.getuid?.() ?? 0;
  const socketDir = () => {
    const home = path.join(base, 'home');
    fs.mkdirSync(path.join(home, 'run'), { recursive: true, mode: 0o700 });
    return { home, dir: path.join(home, 'run') };
  };

  it('accepts a group-writable home whose group is the user’s alone', () => {
    const { home, dir } = socketDir();
    fs.chmodSync(home, 0o775);
    expect(() => checkAncestors(dir, uid, () => true)).not.toThrow();
  });

  it.skipIf(process.platform !== 'linux' || uid !== 0)(
    'does so from the real /etc/group (root’s group here)',
    () => {
      const { home, dir } = socketDir();
      fs.chownSync(home, uid, process.getgid!());
      fs.chmodSync(home, 0o775);
      expect(() => checkAncestors(dir, uid)).not.toThrow();
    },
  );

  it('refuses it when the group has others, and always when others may write, naming the directory', () => {
    const { home, dir } = socketDir();
    fs.chmodSync(home, 0o775);
    expect(() => checkAncestors(dir, uid, () => false)).toThrow(
      `${home} (above ${dir}) is writable by other users`,
    );
    fs.chmodSync(home, 0o777);
    let error: unknown;
    try {
      checkAncestors(dir, uid, () => true);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      message: expect.stringContaining(home),
      hint: expect.stringContaining(home),
    });
  });
});

describe('the control socket', () => {
  it('is created without group or other access even under umask 002: never loose before its chmod', async () => {
    const socketPath = path.join(base, 'run', 'agent.sock');
    const seen: number[] = [];
    const chmod = fs.chmodSync;
    const spy = vi.spyOn(fs, 'chmodSync').mockImplementation((file, mode) => {
      if (file === socketPath) seen.push(fs.lstatSync(socketPath).mode & 0o777);
      chmod(file, mode);
    });
    const previous = process.umask(0o002);
    try {
      const server = await startControlServer({
        socketPath,
        handlers: {} as Handlers,
        log: silentLogger,
        agentVersion: '9.9.9',
      });
      expect(process.umask()).toBe(0o002);
      await server.close();
    } finally {
      process.umask(previous);
      spy.mockRestore();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]! & 0o077).toBe(0);
  });
});
