// A list of paths on one `ssh -G` line (userknownhostsfile, globalknownhostsfile). OpenSSH up to the
// current tree prints them space-separated and UNQUOTED (readconf.c dump_cfg_strarray_oneline), so
// `/Users/me/Library/Application Support/kh /Users/me/.ssh/kh2` is two paths, not four. ssh -G has
// already expanded `~` and %-tokens in UserKnownHostsFile, so a new path starts at a word that begins
// with `/` or `~`; when a space is followed by such a word inside one path, the file system decides.
// A quoted word (`"…"`, as a future ssh -G might print) is one path whatever it holds.
import fs from 'node:fs';

export type Exists = (path: string) => boolean;

/** A `"…"` word at `start` (backslash escapes `"` and `\`), if it closes at a space or the end. */
function quotedWord(value: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start + 1; i < value.length; i++) {
    const char = value[i];
    if (char === '\\' && (value[i + 1] === '"' || value[i + 1] === '\\')) {
      text += value[++i];
    } else if (char === '"') {
      return value[i + 1] === undefined || value[i + 1] === ' ' ? { text, end: i + 1 } : undefined;
    } else {
      text += char;
    }
  }
  return undefined;
}

type Piece = { text: string; quoted: boolean };

/** Splits at single spaces (ssh prints exactly one between paths; a path may hold several). */
function pieces(value: string): Piece[] {
  const result: Piece[] = [];
  let i = 0;
  while (i <= value.length) {
    const quoted = value[i] === '"' ? quotedWord(value, i) : undefined;
    if (quoted) {
      result.push({ text: quoted.text, quoted: true });
      i = quoted.end + 1;
      continue;
    }
    const space = value.indexOf(' ', i);
    const end = space === -1 ? value.length : space;
    result.push({ text: value.slice(i, end), quoted: false });
    if (space === -1) break;
    i = space + 1;
  }
  return result;
}

const startsPath = (piece: Piece) => piece.quoted || piece.text.startsWith('/') || piece.text.startsWith('~');

/** Unquoted words glued into paths: a new one starts at `/` or `~`, unless the longer path exists. */
function group(words: Piece[], exists: Exists): string[] {
  const paths: string[] = [];
  let current: string | undefined;
  let currentQuoted = false;
  for (const word of words) {
    const glue =
      current !== undefined &&
      !currentQuoted &&
      !word.quoted &&
      (!startsPath(word) || exists(`${current} ${word.text}`));
    if (glue) {
      current = `${current} ${word.text}`;
      continue;
    }
    if (current !== undefined) paths.push(current);
    current = word.text;
    currentQuoted = word.quoted;
  }
  if (current !== undefined) paths.push(current);
  return paths;
}

/** The paths on one ssh -G line; `none` (no file) gives none. */
export function splitPathList(value: string | undefined, exists: Exists = fs.existsSync): string[] {
  if (value === undefined) return [];
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  return group(pieces(trimmed), exists).filter((path) => path !== '' && path !== 'none');
}
