// The control protocol between the CLI and the agent: newline-delimited JSON, every frame
// {v, id, type, ...}. Pure: parsing never throws, so a bad frame becomes an error reply and can
// never take the agent down. Incompatible changes bump PROTOCOL_VERSION; new optional fields do not.
import type { ErrorCode } from '../errors.js';
import { parseAnswer, parseRequestBody, parseServerBody } from './frames.js';
import type { SerializedOptions } from './session-options.js';
import type { SessionStatus, StatusDocument } from './status-document.js';
import { FieldError, isObject, type JsonObject, readInteger } from './validate.js';

export type { JsonObject, JsonValue } from './validate.js';

export const PROTOCOL_VERSION = 1;
/** A request longer than this is refused: a runaway writer must not make the agent buffer without end. */
export const MAX_FRAME_BYTES = 1024 * 1024;
/**
 * A reply from the agent may be much longer (status with the whole NodePort range is ~1.2 MB): the
 * agent is our own process, so the cap only guards against a runaway one, and a refused reply says so.
 */
export const MAX_REPLY_BYTES = 64 * 1024 * 1024;

/** "1.2 MiB", for the messages that name a size against a limit. */
export function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export type DisconnectTarget = { host: string } | { all: true };

/** One disconnected session, in `disconnect`'s reply. */
export interface DisconnectResult {
  host: string;
  /** Contexts removed from the kubeconfig (empty with keepKubeconfig). */
  removedContexts: string[];
  /** Contexts of that name left in place because tunnel did not write them (absent from older agents). */
  leftContexts?: string[];
  kubeconfigFile: string | null;
}

/** One update of a `watch` (issue 15): the status document as it is now; seq counts from 1 per watch. */
export interface WatchUpdate {
  seq: number;
  document: StatusDocument;
}

/**
 * The body of a `watch` request: stream the status document whenever it changes (first one at once).
 * host: only that session. minIntervalMs: traffic-only changes at most this often (state changes at once).
 */
export interface WatchRequestBody {
  host?: string;
  minIntervalMs?: number;
}

export interface RequestBodies {
  hello: { clientVersion: string };
  status: { host?: string };
  connect: { options: SerializedOptions };
  disconnect: { target: DisconnectTarget; keepKubeconfig: boolean };
  /** The host's session re-reads k3d's clusters now (after `tunnel cluster create/delete`). */
  rediscover: { host: string };
  /**
   * ifIdle: stop only when no session runs and no connect is under way, else refused (STATE). A CLI that
   * started the agent for a connect that failed asks this way, so the agent decides, not a status read
   * that another connect could outrun.
   */
  shutdown: { ifIdle?: boolean };
  /** Answered by `update` frames (same id) until the connection closes; `ok` only when the agent ends it. */
  watch: WatchRequestBody;
  // No `logs` request: the agent's log is a file the CLI reads (and follows) itself, which also works
  // when the agent is down — exactly when someone wants to read it.
}

export interface ResponseBodies {
  hello: { agentVersion: string; protocolVersion: number; pid: number };
  status: StatusDocument;
  /**
   * The session's entry of the status document, as it is once forwarding (connect's facts are its
   * optional fields). reused: an identical session was already forwarding; replaced: one with other
   * options was stopped for this one.
   */
  connect: { status: SessionStatus; reused: boolean; replaced: boolean };
  disconnect: { disconnected: DisconnectResult[] };
  /** refreshed: false when the session was not connected (it discovers when it is back). */
  rediscover: { refreshed: boolean; status: SessionStatus };
  shutdown: Record<never, never>;
  watch: Record<never, never>;
}

export type RequestType = keyof RequestBodies;
export const REQUEST_TYPES: readonly RequestType[] = [
  'hello',
  'status',
  'connect',
  'disconnect',
  'rediscover',
  'shutdown',
  'watch',
];

interface Envelope {
  v: typeof PROTOCOL_VERSION;
  id: number;
}

export type Request = { [K in RequestType]: Envelope & { type: K } & RequestBodies[K] }[RequestType];
export type RequestOf<K extends RequestType> = Envelope & { type: K } & RequestBodies[K];

/**
 * confirm: yes/no (a new host key); passphrase: text is the key file; secret/text: a login question
 * (password, one-time code, keyboard-interactive prompt) typed hidden / echoed, text is its prompt.
 */
export type AskKind = 'confirm' | 'passphrase' | 'secret' | 'text';
/** The agent asks the person at the CLI's terminal (host key, passphrase) on behalf of request `requestId`. */
export type AskFrame = Envelope & {
  type: 'ask';
  requestId: number;
  kind: AskKind;
  text: string;
  /** secret/text only: keyboard-interactive's name and instruction lines, shown before the prompt. */
  instructions?: string;
};
/** The CLI's answer to ask `id`; null when nobody could answer. */
export type AnswerFrame = Envelope & { type: 'answer'; value: string | boolean | null };

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint: string | undefined;
}
/** id is null when the offending frame had no usable id (not JSON, oversize…). */
export type ErrorFrame = { v: typeof PROTOCOL_VERSION; id: number | null; type: 'error'; error: ErrorBody };
export type OkFrame = Envelope & { type: 'ok'; body: JsonObject };

export type ClientFrame = Request | AnswerFrame;
/** One update of watch request `id`; more may follow, so it does not end the request. */
export type UpdateFrame = Envelope & { type: 'update'; body: WatchUpdate };
export type ServerFrame = OkFrame | ErrorFrame | AskFrame | UpdateFrame;

export type ProtocolErrorReason =
  | 'oversize'
  | 'not-json'
  | 'not-object'
  | 'missing-id'
  | 'bad-version'
  | 'unknown-type'
  | 'bad-field';

export interface ProtocolError {
  kind: 'protocol-error';
  reason: ProtocolErrorReason;
  message: string;
  id: number | null;
}

export function isProtocolError(value: ClientFrame | ServerFrame | ProtocolError): value is ProtocolError {
  return 'kind' in value && value.kind === 'protocol-error';
}

export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return `${JSON.stringify(frame)}\n`;
}

function protocolError(
  reason: ProtocolErrorReason,
  message: string,
  id: number | null = null,
): ProtocolError {
  return { kind: 'protocol-error', reason, message, id };
}

type Envelope0 = { object: Record<string, unknown>; id: number; type: string };

/** The checks every frame shares, in the order that lets the error reply carry the id when it can. */
function parseEnvelope(line: string, maxBytes: number): Envelope0 | ProtocolError {
  if (Buffer.byteLength(line) > maxBytes) {
    return protocolError('oversize', `frame longer than ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return protocolError('not-json', 'frame is not JSON');
  }
  if (!isObject(value)) return protocolError('not-object', 'frame must be a JSON object');
  let id: number;
  try {
    id = readInteger(value, 'id', 0);
  } catch {
    return protocolError('missing-id', 'frame has no id (a non-negative integer)');
  }
  if (value.v !== PROTOCOL_VERSION) {
    return protocolError(
      'bad-version',
      `protocol version ${JSON.stringify(value.v) ?? 'missing'}; this side speaks ${PROTOCOL_VERSION}`,
      id,
    );
  }
  if (typeof value.type !== 'string') return protocolError('unknown-type', 'frame has no type', id);
  return { object: value, id, type: value.type };
}

/** A frame the agent received from a CLI. Never throws. */
export function parseFrame(line: string): ClientFrame | ProtocolError {
  const envelope = parseEnvelope(line, MAX_FRAME_BYTES);
  if ('kind' in envelope) return envelope;
  const { object, id, type } = envelope;
  try {
    if (type === 'answer') return { v: PROTOCOL_VERSION, id, type, value: parseAnswer(object) };
    const body = parseRequestBody(type, object);
    if (!body) return protocolError('unknown-type', `unknown request type ${JSON.stringify(type)}`, id);
    return { v: PROTOCOL_VERSION, id, ...body };
  } catch (error) {
    if (error instanceof FieldError) return protocolError('bad-field', `${type}: ${error.message}`, id);
    throw error;
  }
}

/** A frame the CLI received from the agent. Never throws. */
export function parseServerFrame(line: string, maxBytes = MAX_REPLY_BYTES): ServerFrame | ProtocolError {
  const envelope = parseEnvelope(line, maxBytes);
  if ('kind' in envelope) return envelope;
  const { object, id, type } = envelope;
  try {
    const body = parseServerBody(type, object);
    if (!body) return protocolError('unknown-type', `unknown frame type ${JSON.stringify(type)}`, id);
    return { v: PROTOCOL_VERSION, id, ...body };
  } catch (error) {
    if (error instanceof FieldError) return protocolError('bad-field', `${type}: ${error.message}`, id);
    throw error;
  }
}

/** The error reply for a frame we could not accept: it says what was wrong and what to do. */
export function protocolErrorFrame(error: ProtocolError): ErrorFrame {
  const hint =
    error.reason === 'bad-version'
      ? 'The CLI and the agent are different versions: run `tunnel agent stop`, then retry.'
      : 'Only the tunnel CLI should write to the control socket.';
  return {
    v: PROTOCOL_VERSION,
    id: error.id,
    type: 'error',
    error: { code: 'PROTOCOL', message: error.message, hint },
  };
}
