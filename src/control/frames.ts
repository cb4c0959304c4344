// The per-type bodies of control frames, read field by field (see validate.ts). Called only by
// protocol.ts, which has already checked the envelope (size, JSON, id, version).
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { MAX_INSTRUCTIONS_CHARS, MAX_PROMPT_CHARS } from '../redact.js';
import type {
  AskFrame,
  AskKind,
  DisconnectTarget,
  ErrorBody,
  RequestBodies,
  RequestType,
  WatchRequestBody,
  WatchUpdate,
} from './protocol.js';
import type { StatusDocument } from './status-document.js';
import {
  FieldError,
  isObject,
  type JsonObject,
  readBoolean,
  readInteger,
  readJsonObject,
  readObject,
  readOptionalString,
  readSessionOptions,
  readString,
} from './validate.js';

type Fields = Record<string, unknown>;
type RequestBody = { [K in RequestType]: { type: K } & RequestBodies[K] }[RequestType];

function readDisconnectTarget(object: Fields): DisconnectTarget {
  const target = readObject(object, 'target');
  if (target.all === true) return { all: true };
  const host = readString(target, 'host');
  if (host.length === 0) throw new FieldError('field "target.host" must not be empty');
  return { host };
}

const requestReaders: { [K in RequestType]: (object: Fields) => RequestBodies[K] } = {
  hello: (object) => ({ clientVersion: readString(object, 'clientVersion') }),
  status: (object) => {
    const host = readOptionalString(object, 'host');
    return host === undefined ? {} : { host };
  },
  connect: (object) => ({ options: readSessionOptions(object) }),
  disconnect: (object) => ({
    target: readDisconnectTarget(object),
    keepKubeconfig: readBoolean(object, 'keepKubeconfig'),
  }),
  rediscover: (object) => {
    const host = readString(object, 'host');
    if (host.length === 0) throw new FieldError('field "host" must not be empty');
    return { host };
  },
  shutdown: (object) => (object.ifIdle === undefined ? {} : { ifIdle: readBoolean(object, 'ifIdle') }),
  watch: readWatch,
};

function readWatch(object: Fields): WatchRequestBody {
  const host = readOptionalString(object, 'host');
  if (host !== undefined && host.length === 0) throw new FieldError('field "host" must not be empty');
  // Any non-negative interval is accepted here; the agent clamps it to what it is willing to do.
  const minIntervalMs =
    object.minIntervalMs === undefined ? undefined : readInteger(object, 'minIntervalMs', 0);
  return {
    ...(host === undefined ? {} : { host }),
    ...(minIntervalMs === undefined ? {} : { minIntervalMs }),
  };
}

/** An update's body: seq and a document with the status document's two lists (its fields are the agent's). */
function readUpdate(object: Fields): WatchUpdate {
  const body = readObject(object, 'body');
  const seq = readInteger(body, 'seq', 1);
  const document = readObject(body, 'document');
  if (!Array.isArray(document.sessions)) throw new FieldError('field "document.sessions" must be a list');
  return { seq, document: document as unknown as StatusDocument };
}

function isRequestType(type: string): type is RequestType {
  return Object.hasOwn(requestReaders, type);
}

/** The typed body of request `type`, undefined for a type we do not know; throws FieldError. */
export function parseRequestBody(type: string, object: Fields): RequestBody | undefined {
  if (!isRequestType(type)) return undefined;
  // The cast pairs a reader's result with its own type tag, which TypeScript cannot follow through the map.
  return { type, ...requestReaders[type](object) } as RequestBody;
}

export function parseAnswer(object: Fields): string | boolean | null {
  const value = object.value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  throw new FieldError('field "value" must be a string, true/false or null');
}

function readErrorBody(object: Fields): ErrorBody {
  const error = readObject(object, 'error');
  const code = readString(error, 'code');
  return {
    // A code from a newer agent that this CLI does not know is still an agent failure, not a crash.
    code: (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'AGENT',
    message: readString(error, 'message'),
    hint: readOptionalString(error, 'hint'),
  };
}

const ASK_KINDS: readonly AskKind[] = ['confirm', 'passphrase', 'secret', 'text'];

function readAskKind(object: Fields): AskKind {
  const kind = readString(object, 'kind');
  if (!(ASK_KINDS as readonly string[]).includes(kind))
    throw new FieldError(`field "kind" must be one of ${ASK_KINDS.join(', ')}`);
  return kind as AskKind;
}

// A key file path or a host-key question is ours; a login prompt is the server's, bounded at the agent.
// Past these a frame is refused rather than shown: only a broken or hostile agent sends more.
const MAX_ASK_TEXT = 16 * 1024;

function readBounded(object: Fields, name: string, max: number): string | undefined {
  const value = readOptionalString(object, name);
  if (value !== undefined && value.length > max)
    throw new FieldError(`field "${name}" is longer than ${max} characters`);
  return value;
}

type AskBody = Omit<AskFrame, 'v' | 'id'>;

function readAsk(object: Fields): AskBody {
  const kind = readAskKind(object);
  const login = kind === 'secret' || kind === 'text';
  const text = readString(object, 'text');
  // +1: questionText's bound marks its cut with one more character.
  const max = login ? MAX_PROMPT_CHARS + 1 : MAX_ASK_TEXT;
  if (text.length > max) throw new FieldError(`field "text" is longer than ${max} characters`);
  const instructions = login ? readBounded(object, 'instructions', MAX_INSTRUCTIONS_CHARS + 1) : undefined;
  return {
    type: 'ask',
    requestId: readInteger(object, 'requestId'),
    kind,
    text,
    ...(instructions === undefined ? {} : { instructions }),
  };
}

type ServerBody =
  | { type: 'ok'; body: JsonObject }
  | { type: 'error'; error: ErrorBody }
  | { type: 'update'; body: WatchUpdate }
  | AskBody;

/** The typed body of a frame from the agent, undefined for an unknown type; throws FieldError. */
export function parseServerBody(type: string, object: Fields): ServerBody | undefined {
  if (type === 'ok') return { type, body: isObject(object.body) ? readJsonObject(object, 'body') : {} };
  if (type === 'error') return { type, error: readErrorBody(object) };
  if (type === 'ask') return readAsk(object);
  if (type === 'update') return { type, body: readUpdate(object) };
  return undefined;
}
