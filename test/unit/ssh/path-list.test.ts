import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { splitPathList } from '../../../src/ssh/path-list.js';
import { parseSshG } from '../../../src/ssh/ssh-config.js';
import type { LocalContext } from '../../../src/ssh/tokens.js';

const nothingExists = () => false;

describe('splitPathList (ssh -G userknownhostsfile / globalknownhostsfile)', () => {
  it('keeps spaces inside a path: a new path starts at a word beginning with / or ~', () => {
    expect(splitPathList('/tmp/x/a b/known hosts /root/.ssh/kh2', nothingExists)).toEqual([
      '/tmp/x/a b/known hosts',
      '/root/.ssh/kh2',
    ]);
    expect(splitPathList('~/g g /etc/x', nothingExists)).toEqual(['~/g g', '/etc/x']);
    expect(splitPathList('/root/.ssh/known_hosts /root/.ssh/known_hosts2', nothingExists)).toEqual([
      '/root/.ssh/known_hosts',
      '/root/.ssh/known_hosts2',
    ]);
  });

  it('keeps double spaces and quote characters inside an unquoted path as they are', () => {
    expect(splitPathList('/a  b/kh /tmp/q"x', nothingExists)).toEqual(['/a  b/kh', '/tmp/q"x']);
  });

  it('asks the file system when a space inside a path is followed by /', () => {
    const exists = (file: string) => file === '/data/dir /sub/kh';
    expect(splitPathList('/data/dir /sub/kh /etc/kh', exists)).toEqual(['/data/dir /sub/kh', '/etc/kh']);
  });

  it('takes quoted words whole (a newer ssh -G might quote)', () => {
    expect(splitPathList('"/a b/known hosts" "/c/\\"q\\"" /d/kh', nothingExists)).toEqual([
      '/a b/known hosts',
      '/c/"q"',
      '/d/kh',
    ]);
  });

  it('none and empty give no file', () => {
    expect(splitPathList('none', nothingExists)).toEqual([]);
    expect(splitPathList(undefined, nothingExists)).toEqual([]);
    expect(splitPathList('', nothingExists)).toEqual([]);
  });
});

describe('known_hosts paths with spaces through the real ssh -G', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('parses what this machine’s ssh prints for quoted paths with spaces', () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-pathlist-'));
    const spaced = path.join(dir, 'Application Support', 'known hosts');
    const config = path.join(dir, 'config');
    fs.writeFileSync(
      config,
      `Host x\n  HostName 127.0.0.1\n  User me\n  UserKnownHostsFile "${spaced}" ${dir}/kh2\n  GlobalKnownHostsFile "${dir}/g g"\n`,
    );
    const stdout = execFileSync('ssh', ['-F', config, '-G', 'x'], { encoding: 'utf8' });
    const local: LocalContext = { homeDir: dir, localUser: 'me', uid: 0, localHostName: 'h', env: {} };
    const target = parseSshG(stdout, 'x', local);
    expect(target.userKnownHostsFiles).toEqual([spaced, `${dir}/kh2`]);
    expect(target.globalKnownHostsFiles).toEqual([`${dir}/g g`]);
  });
});
