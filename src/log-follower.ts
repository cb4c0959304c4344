// Follows one log file as it grows, by position, through rotation and truncation. `tunnel logs -f` and
// the Ports page's log stream (ui/log-stream.ts) both read the agent's log this way; a base module so
// cli/ and ui/ share it without importing each other.
import fs from 'node:fs';

const NEWLINE = 0x0a;

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
      lines.push(...this.drain());
    }
    return lines;
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
    const all = Buffer.concat(chunks);
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
