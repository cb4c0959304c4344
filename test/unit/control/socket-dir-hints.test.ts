// The socket directory's refusal comes with a command to paste (`rm -rf <dir>`, `chmod go-w <dir>`). The
// path is shown as one word every shell reads the same: fish reads `\\` inside single quotes as `\`, so a
// POSIX-quoted path with a backslash would name another directory there; such a path becomes `<dir>`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkPrivateDir } from '../../../src/control/socket-dir.js';
import type { TunnelError } from '../../../src/errors.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-socket-dir-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function refusal(dir: string): TunnelError {
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o777);
  try {
    checkPrivateDir(dir, process.getuid?.());
  } catch (error) {
    return error as TunnelError;
  }
  throw new Error('not refused');
}

describe('the socket directory refusal hint', () => {
  it('pastes as the same path in sh and fish', () => {
    const dir = path.join(root, "it's a $(dir)");
    const hint = refusal(dir).hint ?? '';
    const word = /rm -rf (.+)\) and tunnel/.exec(hint)?.[1] ?? '';
    for (const shell of ['sh', 'fish']) {
      expect(execFileSync(shell, ['-c', `printf %s ${word}`], { encoding: 'utf8' })).toBe(dir);
    }
  });

  it('names a path with a backslash <dir> instead of a word fish would read as another path', () => {
    const hint = refusal(path.join(root, 'a\\\\b')).hint ?? '';
    expect(hint).toContain('remove it (rm -rf <dir>)');
    expect(hint).not.toContain('a\\\\b');
  });
});
