// The bounds every remote command lives within: at most MAX_EXECS_IN_FLIGHT sessions per Client (OpenSSH's
// MaxSessions is 10; forwards do not count), and output kept up to a byte limit while always drained.
import type { Client } from 'ssh2';

export const MAX_EXECS_IN_FLIGHT = 8;

/**
 * FIFO semaphore; a waiter can be cancelled by its signal. One per ssh2 Client (kept in a WeakMap so it
 * dies with the Client) and one per OpenSSH master (openssh/connection.ts).
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.active >= this.max) await this.wait(signal);
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async wait(signal: AbortSignal | undefined): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        reject(abortError(signal));
      };
      if (signal?.aborted) return reject(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(wake);
    });
  }
}

const limiters = new WeakMap<Client, Limiter>();

export function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/** Keeps the first `max` bytes and counts the rest, so the channel is always read to its end. */
export class Collector {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    // An empty chunk at exactly `max` bytes cuts nothing off.
    if (chunk.length === 0) return;
    if (this.size >= this.max) {
      this.truncated = true;
      return;
    }
    const room = this.max - this.size;
    if (chunk.length > room) this.truncated = true;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function limiterOf(client: Client): Limiter {
  let limiter = limiters.get(client);
  if (!limiter) {
    limiter = new Limiter(MAX_EXECS_IN_FLIGHT);
    limiters.set(client, limiter);
  }
  return limiter;
}
