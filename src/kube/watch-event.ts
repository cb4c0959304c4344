// One event of a Kubernetes watch stream (a line of `GET …?watch=1`), checked before it is believed: the type
// is one of the five the API sends, an object is an object, an ERROR carries its Status code (410 Gone =
// the resourceVersion is too old: list again). What the object is (a Service, a Node) is the caller's part.
import { remoteText } from '../redact.js';
import { type Fields, fields, isFields, resourceVersionToken, unexpected } from './types.js';

export type WatchEvent =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Fields; resourceVersion: string }
  | { type: 'BOOKMARK'; resourceVersion: string }
  | { type: 'ERROR'; code: number | undefined; reason: string | undefined; message: string };

const OBJECT_EVENTS = new Set(['ADDED', 'MODIFIED', 'DELETED']);

/** metadata.resourceVersion of an object ('' when it has none, or not a token). */
export function resourceVersionOf(object: Fields): string {
  return resourceVersionToken(isFields(object.metadata) ? object.metadata.resourceVersion : undefined);
}

export function parseWatchEvent(value: unknown): WatchEvent {
  const event = fields(value, 'a watch event');
  const type = event.type;
  if (type === 'ERROR') {
    const status = isFields(event.object) ? event.object : {};
    return {
      type,
      code: typeof status.code === 'number' ? status.code : undefined,
      reason: typeof status.reason === 'string' ? remoteText(status.reason, 80) : undefined,
      message: typeof status.message === 'string' ? remoteText(status.message) : '',
    };
  }
  const object = fields(event.object, `the object of a ${remoteText(String(type), 20)} watch event`);
  if (type === 'BOOKMARK') return { type, resourceVersion: resourceVersionOf(object) };
  if (typeof type !== 'string' || !OBJECT_EVENTS.has(type)) {
    throw unexpected(`a watch event of type ${JSON.stringify(remoteText(String(type), 40))}`);
  }
  return {
    type: type as 'ADDED' | 'MODIFIED' | 'DELETED',
    object,
    resourceVersion: resourceVersionOf(object),
  };
}
