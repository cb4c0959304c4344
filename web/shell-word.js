// @ts-check
// A copy of src/shell-word.ts, rule for rule (the page cannot import src/); shell-word.test.ts runs
// both on one table of words. A name the dev server chose must paste as one word that runs nothing:
// single quotes when needed, the same in sh, bash, zsh and fish because no backslash goes in (fish
// reads `\'` inside quotes); anything else (controls, non-ASCII, backslash) becomes a placeholder.

// Bare only when no shell expands it: not `=` first (zsh's =command), no `%` (fish's %self).
const PLAIN = /^[A-Za-z0-9_.:@+,/-][A-Za-z0-9_.:=@+,/-]*$/;
// Printable ASCII without the backslash: what single quotes carry the same way in every shell.
const QUOTABLE = /^[\u0020-\u005b\u005d-\u007e]*$/;

/** True when no shell expands `word`: it can be shown bare in a line meant to be pasted. @param {string} word */
export function isPlainWord(word) {
  return PLAIN.test(word);
}

/** `word` ready to paste as one shell word, or `placeholder` when it cannot be pasted safely. @param {string} word @param {string} placeholder */
export function pasteWord(word, placeholder) {
  if (PLAIN.test(word)) return word;
  if (!QUOTABLE.test(word)) return placeholder;
  // `'\''` closes the quote first, so its backslash is outside quotes: the same in fish and POSIX.
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
