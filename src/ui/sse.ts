// One server-sent-events client. A tab in the background, or a browser that stopped reading, must not
// make the page server buffer every update: when the socket does not take a write, only the newest
// event of each kind waits (latest wins), and it is written when the socket drains.
import type { ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from './http-policy.js';
import type { RefusedEvent } from './types.js';

export const REFUSED_RETRY_MS = 60_000;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'Content-Type': 'text/event-stream; charset=utf-8',
  Connection: 'keep-alive',
};

/** One event as the wire carries it; JSON has no raw newline, so one data line is always enough. */
export const sseText = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * A stream past the cap: one `refused` event, then the end. A 200 and not a 503, because a browser's
 * EventSource cannot read a refusal's status or body, and the page must tell "too many tabs" from
 * "tunnel ui stopped"; `retry` keeps the browser from knocking again at once if the page does not
 * close it.
 */
export function refuseStream(response: ServerResponse, refusal: RefusedEvent): void {
  response.writeHead(200, SSE_HEADERS);
  response.end(`retry: ${REFUSED_RETRY_MS}\n\n${sseText('refused', refusal)}`);
}

export class SseClient {
  private readonly waiting = new Map<string, string>();
  private blocked = false;
  closed = false;

  constructor(private readonly response: ServerResponse) {
    response.writeHead(200, SSE_HEADERS);
    response.flushHeaders();
    response.on('drain', () => this.drain());
    response.on('close', () => {
      this.closed = true;
      this.waiting.clear();
    });
  }

  /** Sends now, or keeps it as the one pending event of its kind until the socket drains. */
  send(event: string, data: unknown): void {
    this.sendText(event, sseText(event, data));
  }

  /**
   * The same, with the wire text already made (sseText): a broadcast serialises a status document once
   * for every tab. Latest wins per kind, so a kind whose events are deltas (the log) must not send
   * while isBlocked (log-stream.ts waits for the drain).
   */
  sendText(event: string, text: string): void {
    if (this.closed) return;
    if (this.blocked) {
      this.waiting.delete(event); // Re-inserted last, so kinds keep the order they last happened in.
      this.waiting.set(event, text);
      return;
    }
    this.blocked = !this.response.write(text);
  }

  /** A comment line: keeps proxies and the browser from deciding the stream died; dropped when blocked. */
  keepalive(): void {
    if (!this.closed && !this.blocked) this.blocked = !this.response.write(': keepalive\n\n');
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  close(): void {
    this.closed = true;
    this.response.end();
  }

  private drain(): void {
    this.blocked = false;
    const texts = [...this.waiting.values()];
    this.waiting.clear();
    for (const text of texts) {
      if (this.closed) return;
      this.blocked = !this.response.write(text);
    }
  }
}
