// Names the dev server chooses, as the terminal shows them and as a pasted hint line runs them: escaped on
// screen, and one inert word in sh, bash, zsh and fish (or a placeholder when that is impossible).
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDisconnect } from '../../../src/cli/commands/disconnect.js';
import { renderError } from '../../../src/cli/main.js';
import { TunnelError } from '../../../src/errors.js';
import { pasteWord } from '../../../src/shell-word.js';
import { whichShell } from '../../shells.js';

// Without rc files: what a pasted line does, not what the machine's ~/.bashrc does (and much faster).
const NO_RC: Record<string, string[]> = { sh: [], bash: ['--norc'], zsh: ['-f'], fish: ['--no-config'] };
const SHELLS = Object.keys(NO_RC).map((shell) => ({ shell, path: whichShell(shell) }));

const hostileName = fc.oneof(
  fc.constantFrom(
    'k3d-$(touch /tmp/tunnel-pwned)@dev',
    "it's",
    "a\\'b",
    '`id`',
    'a;b|c&d',
    '"quoted"',
    '~root',
    '*',
    '{a,b}',
    '#not-a-comment',
    'a b',
    'k3d-my-app@devserver',
    '=ls',
    '%self',
    'a=b',
    'x\u001b]52;c;eA==\u0007',
    'x\u009b2J',
    'r\u202eevil',
  ),
  fc.string({ maxLength: 20 }),
);

describe('pasteWord', () => {
  for (const { shell, path } of SHELLS) {
    it.skipIf(path === undefined)(`pastes as exactly the name, or the placeholder, in ${shell}`, () => {
      fc.assert(
        fc.property(
          hostileName.filter((name) => !name.includes('\u0000')),
          (name) => {
            const pasted = pasteWord(name, '<context>');
            if (pasted === '<context>') return;
            const out = execFileSync(path!, [...NO_RC[shell]!, '-c', `printf '%s|' ${pasted}`], {
              env: { PATH: process.env.PATH },
            });
            expect(out.toString('utf8')).toBe(`${name}|`);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('keeps plain names bare and never lets a control or bidi character into a pasteable line', () => {
    expect(pasteWord('k3d-my-app@devserver', '<context>')).toBe('k3d-my-app@devserver');
    expect(pasteWord('x\u001b]52;c;eA==\u0007', '<context>')).toBe('<context>');
    expect(pasteWord('r\u202eevil', '<context>')).toBe('<context>');
    expect(pasteWord('a\\b', '<context>')).toBe('<context>');
  });
});

describe('disconnect output', () => {
  it('shows removed context names escaped: no ESC, OSC, C1 or newline reaches the terminal', () => {
    const line = describeDisconnect({
      host: 'devserver',
      removedContexts: ['k3d-a\u001b]52;c;eA==\u0007@devserver', 'k3d-b\u009b2J\nfake line@devserver'],
      kubeconfigFile: '/home/me/.kube/config',
    });
    expect(line).toBe(
      'devserver: disconnected; removed k3d-a\\x1b]52;c;eA==\\x07@devserver, k3d-b\\x9b2J\\x0afake line@devserver from /home/me/.kube/config',
    );
  });

  it('says which contexts it left in place instead of claiming it removed them', () => {
    const line = describeDisconnect({
      host: 'devserver',
      removedContexts: ['k3d-a@devserver'],
      leftContexts: ['prod\u001b[2J'],
      kubeconfigFile: '/home/me/.kube/config',
    });
    expect(line).toBe(
      'devserver: disconnected; removed k3d-a@devserver from /home/me/.kube/config; left prod\\x1b[2J in place: tunnel did not write it',
    );
    const none = describeDisconnect({
      host: 'devserver',
      removedContexts: [],
      leftContexts: ['prod'],
      kubeconfigFile: '/home/me/.kube/config',
    });
    expect(none).toBe('devserver: disconnected; left prod in place: tunnel did not write it');
  });
});

describe('errors on the terminal', () => {
  it('escape C1, ESC and bidi controls a message quoted from the dev server, and keep our own line breaks', () => {
    // JSON.stringify (used to quote names) leaves U+009B (CSI) and U+202E raw.
    const name = JSON.stringify('x\u009b2J\u202eevil');
    const error = new TunnelError('CLUSTER_NOT_FOUND', `There is no k3d cluster named ${name}.`, {
      hint: 'first line\nsecond \u001b]0;title\u0007 line',
    });
    expect(renderError(error)).toBe(
      'error: There is no k3d cluster named "x\\x9b2J\\u202eevil".\n' +
        '  hint: first line\n        second \\x1b]0;title\\x07 line\n',
    );
  });

  it('escape an unexpected error too, its message and its stack (an ssh2 error may quote the server)', () => {
    const error = new Error('Handshake failed: \u001b]52;c;aGk=\u0007\u009b2J');
    const shown = renderError(error);
    expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(shown).toContain('error: Handshake failed: \\x1b]52;c;aGk=\\x07\\x9b2J\n');
    expect(shown).toContain('this is a bug in tunnel');
  });
});
