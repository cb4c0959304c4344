// Follows one log file as it grows, by position, through rotation and truncation, and reads a line's
// JSON. `tunnel logs -f` and the Ports page's log stream (ui/log-stream.ts) both read the agent's log
// this way; a base module so cli/ and ui/ share it without importing each other.
import fs from 'node:fs';
import path from 'node:path';

const NEWLINE = 0x0a;

/** The fields every line of the agent's JSON log has (the rest are the line's own fields). */
export const LOG_CORE_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'message', 'host']);

/** The parsed JSON object of a log line, or undefined when the line is not a JSON object. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Reads one log file by position and notices when the writer replaces it. The file is held open, so
 * after a rotation the rest of the old file is still read (through the old descriptor) before the
 * new one is opened from its start. Only whole lines come out; a partial last line waits for its end.
 */
export class LogFollower {
  private fd: number | undefined;
  private inode = 0;
  private position = 0;
  private pending = Buffer.alloc(0);
  /** The read began inside a line (readTail): what comes before the next newline is not a line. */
  private dropCut = false;

  constructor(private readonly file: string) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Every complete line added since the last call (all of them on the first). */
  readNew(): string[] {
    if (this.fd === undefined && !this.open()) return [];
    const lines = this.drain();
    const now = statOrUndefined(this.file);
    if (!now || now.ino !== this.inode) {
      // Replaced (rotated) or removed: take what the writer added to the old file meanwhile, and its
      // unterminated tail, which will never be completed now.
      lines.push(...this.drain(), ...this.takePending());
      this.close();
      if (now && this.open()) lines.push(...this.drain());
    } else if (now.size < this.position) {
      // Truncated in place: what is there now was written after the truncation.
      this.position = 0;
      this.pending = Buffer.alloc(0);
      this.dropCut = false;
      lines.push(...this.drain());
    }
    return lines;
  }

  /**
   * The complete lines in about the last `maxBytes` of the file, without reading the rest (a line the
   * window cuts is left out); readNew() goes on from there. `whole`: the window held the whole file, so
   * any older line is in the rotated files.
   */
  readTail(maxBytes: number): { lines: string[]; whole: boolean } {
    if (this.fd === undefined && !this.open()) return { lines: [], whole: true };
    const size = fs.fstatSync(this.fd!).size;
    // One byte before the window: if it is a newline, the window starts on a whole line.
    this.position = size > maxBytes + 1 ? size - maxBytes - 1 : 0;
    const whole = this.position === 0;
    this.dropCut = !whole;
    return { lines: this.readNew(), whole };
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): boolean {
    try {
      this.fd = fs.openSync(this.file, 'r');
      this.inode = fs.fstatSync(this.fd).ino;
      this.position = 0;
      this.pending = Buffer.alloc(0);
      // A new file starts with a whole line: only a tail read (readTail) starts mid-line.
      this.dropCut = false;
      return true;
    } catch {
      return false;
    }
  }

  private drain(): string[] {
    const chunks = [this.pending];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const count = fs.readSync(this.fd!, buffer, 0, buffer.length, this.position);
      if (count === 0) break;
      chunks.push(Buffer.from(buffer.subarray(0, count)));
      this.position += count;
    }
    let all = Buffer.concat(chunks);
    if (this.dropCut) {
      const cut = all.indexOf(NEWLINE);
      this.dropCut = cut < 0;
      all = all.subarray(cut < 0 ? all.length : cut + 1);
    }
    const end = all.lastIndexOf(NEWLINE);
    this.pending = Buffer.from(all.subarray(end + 1));
    return end < 0 ? [] : splitLines(all.subarray(0, end).toString('utf8'));
  }

  private takePending(): string[] {
    const rest = splitLines(this.pending.toString('utf8'));
    this.pending = Buffer.alloc(0);
    return rest;
  }
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

export const splitLines = (text: string): string[] => text.split('\n').filter((line) => line.length > 0);

/** agent.log.1, agent.log.2, … that exist, newest (lowest number) first. */
export function rotatedFiles(file: string): string[] {
  const prefix = `${path.basename(file)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b)
    .map((index) => `${file}.${index}`);
}

function readLines(file: string): string[] {
  try {
    return splitLines(fs.readFileSync(file, 'utf8'));
  } catch {
    return []; // Rotated away between listing and reading: its lines are in the next file.
  }
}

/** The last `count` lines that `wanted` accepts, oldest first; older files are read only if needed. */
export function lastMatching(
  current: string[],
  olderFiles: string[],
  wanted: (line: string) => boolean,
  count: number,
): string[] {
  const picked: string[] = [];
  const take = (lines: string[]) => {
    for (let index = lines.length - 1; index >= 0 && picked.length < count; index--) {
      if (wanted(lines[index]!)) picked.push(lines[index]!);
    }
  };
  take(current);
  for (const file of olderFiles) {
    if (picked.length >= count) break;
    take(readLines(file));
  }
  return picked.reverse();
}
