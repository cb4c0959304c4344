// The agent's side of `watch` updates on one connection. A watcher that does not read must not make the
// agent buffer a document per change: while the socket's queue is past the high-water mark, each watch
// keeps only its latest update (an older one is stale anyway), written when the socket drains.
import type net from 'node:net';

export class LatestUpdates {
  /** Open watches of this connection, each with the encoded update waiting for room (or undefined). */
  private readonly waiting = new Map<number, string | undefined>();

  constructor(
    private readonly socket: net.Socket,
    private readonly highWaterBytes: number,
  ) {}

  open(id: number): void {
    this.waiting.set(id, undefined);
  }

  /** The watch ended: an update still waiting is dropped (the request's final frame follows). */
  close(id: number): void {
    this.waiting.delete(id);
  }

  /** Writes `line` now if the socket has room, else keeps it as this watch's one waiting update. */
  push(id: number, line: string): void {
    if (!this.waiting.has(id) || this.socket.destroyed || !this.socket.writable) return;
    if (this.full()) {
      this.waiting.set(id, line);
      return;
    }
    this.waiting.set(id, undefined);
    this.socket.write(line);
  }

  /** On 'drain': the waiting updates go out, as far as the room lasts (the rest wait for the next drain). */
  flush(): void {
    for (const [id, line] of this.waiting) {
      if (line === undefined) continue;
      if (this.full() || this.socket.destroyed) return;
      this.waiting.set(id, undefined);
      this.socket.write(line);
    }
  }

  /** Updates held back right now (tests and diagnostics). */
  held(): number {
    let count = 0;
    for (const line of this.waiting.values()) if (line !== undefined) count++;
    return count;
  }

  /** Past the mark, and only when a 'drain' is sure to come (Node emits it only after a refused write). */
  private full(): boolean {
    return this.socket.writableNeedDrain && this.socket.writableLength >= this.highWaterBytes;
  }
}
