// Splits a byte stream into lines with a cap on line length, so a peer that never sends a newline
// cannot make us buffer without end. An overlong line is dropped up to its newline: reported when it
// passes the cap (with its first bytes, which name the frame's id) and again at its end (its size).
import { StringDecoder } from 'node:string_decoder';

export type LineEvent =
  | { kind: 'line'; line: string }
  | { kind: 'oversize'; head: string }
  | { kind: 'oversize-end'; bytes: number };

const HEAD_CHARS = 64;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private pendingBytes = 0;
  // True while we are skipping the rest of a line already reported as oversize.
  private discarding = false;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer | string): LineEvent[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const events: LineEvent[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.append(text.slice(start, newline), events);
      if (this.discarding) events.push({ kind: 'oversize-end', bytes: this.pendingBytes });
      else events.push({ kind: 'line', line: this.pending });
      this.reset();
      start = newline + 1;
    }
    this.append(text.slice(start), events);
    return events;
  }

  private append(piece: string, events: LineEvent[]): void {
    if (piece.length === 0) return;
    this.pendingBytes += Buffer.byteLength(piece);
    if (this.discarding) return;
    if (this.pendingBytes > this.maxLineBytes) {
      events.push({ kind: 'oversize', head: (this.pending + piece).slice(0, HEAD_CHARS) });
      this.discarding = true;
      this.pending = '';
      return;
    }
    this.pending += piece;
  }

  private reset(): void {
    this.pending = '';
    this.pendingBytes = 0;
    this.discarding = false;
  }
}
