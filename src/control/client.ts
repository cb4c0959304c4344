// The CLI's side of the control socket: requests correlated by id, each with a timeout, and the
// agent's `ask` questions relayed to the person at this terminal. The only way cli/ reaches the agent.
import type net from 'node:net';
import { TunnelError } from '../errors.js';
import { type AskHandlers, answerAsk } from './ask-answer.js';
import { AgentUnavailableError, olderAgentError, stuckHint } from './client-errors.js';
import { LineSplitter } from './lines.js';
import {
  type AskFrame,
  type ClientFrame,
  encodeFrame,
  isProtocolError,
  MAX_REPLY_BYTES,
  mebibytes,
  PROTOCOL_VERSION,
  parseServerFrame,
  type RequestBodies,
  type RequestType,
  type ResponseBodies,
  type WatchRequestBody,
  type WatchUpdate,
} from './protocol.js';

export type HelloInfo = ResponseBodies['hello'];

export type { AskedQuestion, AskHandlers } from './ask-answer.js';

export interface ControlClientOptions {
  /** How long to wait for the connection, and for each reply (while no question is pending). */
  timeoutMs?: number;
  interaction?: AskHandlers;
  /** The agent's pid from its lock, where the peer check looks first (it scans our processes anyway). */
  agentPid?: number;
  /** The longest reply accepted (default MAX_REPLY_BYTES); a longer one fails its request, saying so. */
  maxReplyBytes?: number;
}

export { AgentUnavailableError, OLDER_AGENT, OlderAgentError, stuckHint } from './client-errors.js';

interface Pending {
  type: RequestType;
  resolve: (body: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  timeoutMs: number;
  /** A watch: its updates go here, and it has no reply timeout (it lasts as long as someone looks). */
  onUpdate?: (update: WatchUpdate) => void;
}

/** A watch under way: `ended` settles when it ends; cancel() ends it from this side. */
export interface Watch {
  ended: Promise<void>;
  cancel(): void;
}

export class ControlClient {
  private readonly pending = new Map<number, Pending>();
  private readonly splitter: LineSplitter;
  private readonly maxReplyBytes: number;
  /** The request an oversize reply being skipped belongs to; null when its head named none. */
  private oversizeId: number | null = null;
  /** Between an oversize reply's head and its end. */
  private skipping = false;
  private nextId = 1;

  constructor(
    private readonly socket: net.Socket,
    private readonly options: ControlClientOptions,
  ) {
    this.maxReplyBytes = options.maxReplyBytes ?? MAX_REPLY_BYTES;
    this.splitter = new LineSplitter(this.maxReplyBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // 'close' follows and fails whatever is pending.
    socket.on('close', () =>
      this.failAll(new AgentUnavailableError('the agent closed the control connection')),
    );
  }

  request<K extends RequestType>(type: K, body: RequestBodies[K], options: { timeoutMs?: number } = {}) {
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 10_000;
    return new Promise<ResponseBodies[K]>((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new AgentUnavailableError('the control connection is closed'));
        return;
      }
      const entry: Pending = {
        type,
        resolve: resolve as (body: unknown) => void,
        reject,
        timer: undefined,
        timeoutMs,
      };
      this.pending.set(id, entry);
      this.arm(id, entry);
      // The cast joins a typed body to its type tag, which TypeScript cannot pair through generics.
      this.write({ v: PROTOCOL_VERSION, id, type, ...body } as ClientFrame);
    });
  }

  /**
   * A `watch` request: onUpdate gets every update (the first at once). `ended` resolves when the agent
   * ends the watch (it shuts down) or on cancel(), and rejects with AgentUnavailableError when the
   * connection goes, or with the agent's error (an unknown host; PROTOCOL OLDER_AGENT from an agent that
   * does not know `watch`). cancel() closes this client's
   * connection: the protocol has no cancel frame, and the agent ends a watch whose connection goes.
   */
  watch(body: WatchRequestBody, onUpdate: (update: WatchUpdate) => void): Watch {
    const id = this.nextId++;
    let entry: Pending | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => reject(olderAgentError(error) ?? error);
      entry = {
        type: 'watch',
        resolve: () => resolve(),
        reject: fail,
        timer: undefined,
        timeoutMs: 0,
        onUpdate,
      };
    });
    const cancel = () => {
      this.settle(id, undefined);
      this.close();
    };
    if (this.socket.destroyed || !entry) {
      entry?.reject(new AgentUnavailableError('the control connection is closed'));
      return { ended, cancel };
    }
    this.pending.set(id, entry);
    this.write({ v: PROTOCOL_VERSION, id, type: 'watch', ...body });
    return { ended, cancel };
  }

  /** The version handshake: the agent's version, so a caller can replace an agent older than itself. */
  async hello(clientVersion: string): Promise<HelloInfo> {
    const body: Record<string, unknown> = await this.request('hello', { clientVersion });
    const { agentVersion, protocolVersion, pid } = body;
    if (typeof agentVersion !== 'string' || typeof protocolVersion !== 'number' || typeof pid !== 'number') {
      throw new TunnelError('PROTOCOL', 'the agent answered hello without its version', { hint: stuckHint });
    }
    return { agentVersion, protocolVersion, pid };
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private arm(id: number, entry: Pending): void {
    if (entry.onUpdate) return; // A watch waits as long as it is wanted.
    entry.timer = setTimeout(() => {
      this.pending.delete(id);
      entry.reject(
        new TunnelError('AGENT', `the agent did not answer ${entry.type} within ${entry.timeoutMs} ms`, {
          hint: stuckHint,
        }),
      );
    }, entry.timeoutMs);
  }

  private onData(chunk: Buffer): void {
    for (const event of this.splitter.push(chunk)) {
      if (event.kind === 'line') {
        if (event.line.trim().length > 0) this.onLine(event.line);
      } else if (event.kind === 'oversize') {
        this.onOversize(event.head);
      } else {
        this.refuseOversize(event.bytes);
      }
    }
    this.rearmSkipped();
  }

  private onOversize(head: string): void {
    // Replies start {"v":1,"id":N,"type":"ok"…: the head names the request even though the rest is dropped.
    const match = /^\{"v":\d+,"id":(\d+),"type":"(?:ok|error)"/.exec(head);
    this.oversizeId = match ? Number(match[1]) : null;
    this.skipping = true;
  }

  /**
   * While an oversize reply is skipped, each chunk shows the agent is not stuck: its request's timeout
   * starts afresh, so a long reply still arrives, and one that stops halfway still times out.
   */
  private rearmSkipped(): void {
    const entry = this.skipping && this.oversizeId !== null ? this.pending.get(this.oversizeId) : undefined;
    if (!entry || this.oversizeId === null) return;
    clearTimeout(entry.timer);
    this.arm(this.oversizeId, entry);
  }

  private refuseOversize(bytes: number): void {
    const error = (type: string) =>
      new TunnelError(
        'PROTOCOL',
        `agent reply to ${type} of ${mebibytes(bytes)} exceeds the limit of ${mebibytes(this.maxReplyBytes)}; it was refused`,
        { hint: 'Ask for less (`tunnel status <host>` for one host), and see `tunnel logs`.' },
      );
    const ids = this.oversizeId === null ? [...this.pending.keys()] : [this.oversizeId];
    for (const id of ids) {
      const entry = this.pending.get(id);
      if (entry) this.settle(id, error(entry.type));
    }
    this.oversizeId = null;
    this.skipping = false;
  }

  private onLine(line: string): void {
    const frame = parseServerFrame(line, this.maxReplyBytes);
    if (isProtocolError(frame)) {
      // A frame we cannot read fails the request it names; without an id there is nobody to tell.
      const hint = 'The CLI and the agent may be different versions: run `tunnel agent stop`, then retry.';
      if (frame.id !== null)
        this.settle(frame.id, new TunnelError('PROTOCOL', `agent sent ${frame.message}`, { hint }));
      return;
    }
    if (frame.type === 'ask') {
      void this.onAsk(frame);
      return;
    }
    if (frame.type === 'update') this.onUpdate(frame.id, frame.body);
    else if (frame.type === 'ok') this.settle(frame.id, undefined, frame.body);
    else if (frame.id !== null) {
      this.settle(
        frame.id,
        new TunnelError(frame.error.code, frame.error.message, { hint: frame.error.hint }),
      );
    }
  }

  /** A caller whose onUpdate throws ends its watch with that error, never this socket's data handler. */
  private onUpdate(id: number, update: WatchUpdate): void {
    try {
      this.pending.get(id)?.onUpdate?.(update);
    } catch (error) {
      this.settle(id, error instanceof Error ? error : new Error(String(error)));
    }
  }

  private settle(id: number, error: Error | undefined, body?: unknown): void {
    const entry = this.pending.get(id);
    if (!entry) return; // Already timed out: a late reply has nobody waiting.
    this.pending.delete(id);
    clearTimeout(entry.timer);
    if (error) entry.reject(error);
    else entry.resolve(body);
  }

  private async onAsk(frame: AskFrame): Promise<void> {
    const entry = this.pending.get(frame.requestId);
    // A person may take minutes to answer: the reply timeout waits for them, then starts afresh.
    if (entry) clearTimeout(entry.timer);
    let value: string | boolean | undefined;
    try {
      value = await answerAsk(frame, this.options.interaction ?? {});
    } catch {
      value = undefined; // A prompt that failed (terminal closed) is "no answer", as with no terminal.
    }
    this.write({ v: PROTOCOL_VERSION, id: frame.id, type: 'answer', value: value ?? null });
    if (entry && this.pending.get(frame.requestId) === entry) this.arm(frame.requestId, entry);
  }

  private write(frame: ClientFrame): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(frame));
  }

  private failAll(error: Error): void {
    for (const [id] of this.pending) this.settle(id, error);
  }
}
