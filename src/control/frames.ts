// The per-type bodies of control frames, read field by field (see validate.ts). Called only by
// protocol.ts, which has already checked the envelope (size, JSON, id, version).
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import type { AskKind, DisconnectTarget, ErrorBody, RequestBodies, RequestType } from './protocol.js';
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
};

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

function readAskKind(object: Fields): AskKind {
  const kind = readString(object, 'kind');
  if (kind !== 'confirm' && kind !== 'passphrase')
    throw new FieldError('field "kind" must be confirm or passphrase');
  return kind;
}

type ServerBody =
  | { type: 'ok'; body: JsonObject }
  | { type: 'error'; error: ErrorBody }
  | { type: 'ask'; requestId: number; kind: AskKind; text: string };

/** The typed body of a frame from the agent, undefined for an unknown type; throws FieldError. */
export function parseServerBody(type: string, object: Fields): ServerBody | undefined {
  if (type === 'ok') return { type, body: isObject(object.body) ? readJsonObject(object, 'body') : {} };
  if (type === 'error') return { type, error: readErrorBody(object) };
  if (type === 'ask') {
    return {
      type,
      requestId: readInteger(object, 'requestId'),
      kind: readAskKind(object),
      text: readString(object, 'text'),
    };
  }
  return undefined;
}
