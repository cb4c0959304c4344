// LogFollower.readTail: the Ports page's log pane starts from the end of a log that may be megabytes
// long; what it shows first must be whole lines, and what comes after must follow on with no gap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFollower } from '../../src/log-follower.js';

let dir: string;
let follower: LogFollower | undefined;
afterEach(() => {
  follower?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function logWith(text: string): string {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-log-tail-'));
  const file = path.join(dir, 'agent.log');
  fs.writeFileSync(file, text);
  return file;
}

describe('reading the tail of a log', () => {
  it('reads a small file whole, and says so', () => {
    follower = new LogFollower(logWith('one\ntwo\n'));
    expect(follower.readTail(1024)).toEqual({ lines: ['one', 'two'], whole: true });
  });

  it('keeps a line the window starts exactly on, and leaves out one it cuts', () => {
    const file = logWith('aaaa\nbbbb\ncccc\n'); // 15 bytes
    follower = new LogFollower(file);
    expect(follower.readTail(10)).toEqual({ lines: ['bbbb', 'cccc'], whole: false });
    follower.close();
    follower = new LogFollower(file);
    expect(follower.readTail(9)).toEqual({ lines: ['cccc'], whole: false });
  });

  it('goes on from the end: the next read has the lines written after, even when the window held no whole line', () => {
    const file = logWith(`${'x'.repeat(100)}\n${'y'.repeat(100)}`); // the last line not ended yet
    follower = new LogFollower(file);
    expect(follower.readTail(50)).toEqual({ lines: [], whole: false });
    fs.appendFileSync(file, '\nnext\n');
    expect(follower.readNew()).toEqual(['next']); // the y line began before the window: left out
  });

  it('a log rotated while the tail waited on a cut line: the new file is read from its first line', () => {
    const file = logWith(`${'x'.repeat(100)}`); // a window of 50 lands inside a line not ended yet
    follower = new LogFollower(file);
    expect(follower.readTail(50)).toEqual({ lines: [], whole: false });
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, 'new-first\nnew-second\n');
    expect(follower.readNew()).toEqual(['new-first', 'new-second']);
  });
});
