// One CLI connection to the agent: split lines, parse, dispatch requests concurrently, relay `ask`
// questions back to the CLI. Nothing a peer sends may throw out of here: bad input gets an error reply.
// Backpressure: a client that sends without reading its replies is no longer read from while its
// replies pile up (or too many of its requests run), so what the agent holds for it stays bounded.
import type net from 'node:net';
import { describeError, isTunnelError } from '../errors.js';
import { LatestUpdates } from './latest-updates.js';
import { type LineEvent, LineSplitter } from './lines.js';
import {
  type AskKind,
  type ClientFrame,
  isProtocolError,
  type JsonObject,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type ProtocolError,
  parseFrame,
  protocolErrorFrame,
  type Request,
  type ServerFrame,
} from './protocol.js';
import { encodeReply, errorFrame } from './reply.js';
import {
  type ConnectionLimits,
  type ConnectionOptions,
  type ConnectionStats,
  DEFAULT_CONNECTION_LIMITS,
  type RequestContext,
} from './server-types.js';

export {
  type ConnectionLimits,
  type ConnectionOptions,
  type ConnectionStats,
  DEFAULT_CONNECTION_LIMITS,
  type Handlers,
  type RequestContext,
} from './server-types.js';

interface Question {
  kind: AskKind;
  text: string;
  instructions: string | undefined;
}

export class ServerConnection {
  private readonly splitter: LineSplitter;
  private readonly limits: ConnectionLimits;
  private readonly pendingAsks = new Map<number, (value: string | boolean | undefined) => void>();
  private readonly closed = new AbortController();
  private readonly updates: LatestUpdates;
  // Lines read but not yet handled (at most one read's worth: we pause while any wait).
  private queue: LineEvent[] = [];
  private head = 0;
  private inFlight = 0;
  private paused = false;
  private nextAskId = 1;

  constructor(
    readonly socket: net.Socket,
    private readonly options: ConnectionOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes ?? MAX_FRAME_BYTES);
    this.limits = options.limits ?? DEFAULT_CONNECTION_LIMITS;
    this.updates = new LatestUpdates(socket, this.limits.highWaterBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.updates.flush();
      this.pump();
    });
    // A CLI killed mid-request resets the socket; that is its business, never the agent's crash.
    socket.on('error', (error) => options.log('debug', 'control connection error', { error: error.message }));
    socket.on('close', () => this.onClose());
  }

  stats(): ConnectionStats {
    return {
      queuedLines: this.queue.length - this.head,
      inFlight: this.inFlight,
      writableBytes: this.socket.writableLength,
      paused: this.paused,
      heldUpdates: this.updates.held(),
    };
  }

  private onData(chunk: Buffer): void {
    this.queue.push(...this.splitter.push(chunk));
    this.pump();
  }

  private blocked(): boolean {
    return (
      this.inFlight >= this.limits.maxInFlight || this.socket.writableLength >= this.limits.highWaterBytes
    );
  }

  /**
   * Handles queued lines while there is room, and reads from the socket only while nothing waits.
   * An answer queued behind the limit waits too: only a client with 32 requests waiting on questions
   * could stall itself that way (the CLI sends one request at a time), never another connection.
   */
  private pump(): void {
    while (this.head < this.queue.length && !this.blocked()) {
      const event = this.queue[this.head++] as LineEvent;
      this.onEvent(event);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    const pause = this.queue.length > 0 || this.blocked();
    if (pause === this.paused || this.socket.destroyed) return;
    this.paused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }

  private onEvent(event: LineEvent): void {
    if (event.kind === 'oversize') {
      this.badFrame({ kind: 'protocol-error', reason: 'oversize', message: 'frame too long', id: null });
    } else if (event.kind === 'line' && event.line.trim().length > 0) {
      this.onLine(event.line);
    }
  }

  private badFrame(frame: ProtocolError): void {
    this.options.badFrameLog({ reason: frame.reason, message: frame.message });
    this.send(protocolErrorFrame(frame));
  }

  private onLine(line: string): void {
    const frame = parseFrame(line);
    if (isProtocolError(frame)) {
      this.badFrame(frame);
      return;
    }
    if (frame.type === 'answer') {
      this.onAnswer(frame);
      return;
    }
    this.inFlight++;
    void this.dispatch(frame).finally(() => {
      this.inFlight--;
      this.pump();
    });
  }

  private onAnswer(frame: Extract<ClientFrame, { type: 'answer' }>): void {
    const resolve = this.pendingAsks.get(frame.id);
    // An answer to nothing (a late answer after the request ended) is harmless: drop it.
    if (!resolve) return;
    this.pendingAsks.delete(frame.id);
    resolve(frame.value ?? undefined);
  }

  private async dispatch(request: Request): Promise<void> {
    this.updates.open(request.id);
    try {
      const body = await this.run(request);
      this.send({ v: PROTOCOL_VERSION, id: request.id, type: 'ok', body });
    } catch (error) {
      this.options.log(isTunnelError(error) ? 'info' : 'error', `${request.type} failed`, {
        error: describeError(error),
      });
      this.send(errorFrame(request.id, error));
    } finally {
      this.updates.close(request.id);
    }
  }

  private async run(request: Request): Promise<JsonObject> {
    if (request.type === 'hello') {
      // hello is answered here, not by a handler, so every agent can be probed the same way.
      return { agentVersion: this.options.agentVersion, protocolVersion: PROTOCOL_VERSION, pid: process.pid };
    }
    const context: RequestContext = {
      ask: (kind, text, instructions) => this.ask(request.id, { kind, text, instructions }),
      signal: this.closed.signal,
      push: (body) => {
        const frame: ServerFrame = { v: PROTOCOL_VERSION, id: request.id, type: 'update', body };
        this.updates.push(request.id, encodeReply(frame).text);
      },
    };
    // The map pairs each type with its handler; TypeScript cannot follow that through a union.
    const handler = this.options.handlers[request.type] as (
      request: Request,
      context: RequestContext,
    ) => Promise<JsonObject> | JsonObject;
    return await handler(request, context);
  }

  private ask(requestId: number, question: Question): Promise<string | boolean | undefined> {
    if (this.closed.signal.aborted) return Promise.resolve(undefined);
    const id = this.nextAskId++;
    const { kind, text, instructions } = question;
    const extra = instructions === undefined ? {} : { instructions };
    return new Promise((resolve) => {
      this.pendingAsks.set(id, resolve);
      this.send({ v: PROTOCOL_VERSION, id, type: 'ask', requestId, kind, text, ...extra });
    });
  }

  private send(frame: ServerFrame): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const { text, refused } = encodeReply(frame);
    // The CLI would refuse it anyway: say why here too, where the log keeps it.
    if (refused) this.options.log('error', refused, { type: frame.type });
    this.socket.write(text);
  }

  private onClose(): void {
    this.closed.abort();
    // Nobody is left to answer: questions resolve "no answer" so handlers can fail cleanly.
    for (const resolve of this.pendingAsks.values()) resolve(undefined);
    this.pendingAsks.clear();
  }

  /** Ends the connection politely, then forcibly if the peer does not close within graceMs. */
  end(graceMs = 1000): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.socket.destroy(), graceMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.end();
    });
  }
}
