// Enough of a socket for the CLI's control client: what it writes is kept; a test emits what the agent sends.
import { EventEmitter } from 'node:events';

export class FakeSocket extends EventEmitter {
  destroyed = false;
  written: string[] = [];
  write(text: string): boolean {
    this.written.push(text);
    return true;
  }
  end(): void {}
  destroy(): void {
    this.destroyed = true;
  }
}
