// The page's copy of the paste-quoting rule (web/shell-word.js) against the original (src/shell-word.ts):
// the page cannot import src/ (no build step), so the two must give the same word for every input.
import { describe, expect, it } from 'vitest';
import * as original from '../../../src/shell-word.js';
import * as page from '../../../web/shell-word.js';

const WORDS = [
  'k3d-my-app@devserver',
  "x\\';echo PWNED;#",
  "k3d-x\\';echo PWNED;#@devbox",
  "k3d-a'; rm -rf ~",
  '=cmd',
  'a=b',
  '%x',
  'a%self',
  '-x',
  '--context',
  'with space',
  'two  spaces',
  '"double"',
  "'single'",
  'back\\slash',
  '\\',
  'ünïcode',
  'emoji-🚀',
  'tab\there',
  'new\nline',
  '$(touch /tmp/pwned)',
  '`id`',
  '~root',
  'a*b?[c]',
  '{a,b}',
  '!event',
  '',
  ' ',
  'x'.repeat(300),
];

describe('web/shell-word.js mirrors src/shell-word.ts', () => {
  it.each(WORDS.map((w) => [JSON.stringify(w), w]))('pastes %s the same way', (_label, word) => {
    expect(page.pasteWord(word, '<context>')).toBe(original.pasteWord(word, '<context>'));
    expect(page.isPlainWord(word)).toBe(original.isPlainWord(word));
  });

  it('never lets a backslash, a control or a non-ASCII character into the pasted line', () => {
    for (const word of ["x\\';echo PWNED;#", 'new\nline', 'ünïcode']) {
      expect(page.pasteWord(word, '<context>')).toBe('<context>');
    }
    expect(page.pasteWord('=cmd', '<context>')).toBe("'=cmd'");
    expect(page.pasteWord('%x', '<context>')).toBe("'%x'");
  });
});
