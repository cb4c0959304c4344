// Messages between `tunnel connect` and the detached session process it starts, over Node's IPC
// channel (never argv or env, so a passphrase never shows in `ps`).
import type { SessionOptions } from '../config/resolve.js';
import type { ErrorCode } from '../errors.js';
import type { SessionReport } from '../session/session.js';

export type SerializedOptions = Omit<SessionOptions, 'maps'> & { maps: [number, number][] };

export type ParentMessage =
  | { type: 'start'; options: SerializedOptions }
  | { type: 'answer'; id: number; value: string | boolean | undefined };

export type ChildMessage =
  | { type: 'ask'; id: number; kind: 'confirm' | 'passphrase'; text: string }
  | { type: 'ready'; report: SessionReport; pid: number; logFile: string }
  | { type: 'failed'; error: { code: ErrorCode | undefined; message: string; hint: string | undefined } };

export function serializeOptions(options: SessionOptions): SerializedOptions {
  return { ...options, maps: [...options.maps.entries()] };
}

export function deserializeOptions(options: SerializedOptions): SessionOptions {
  return { ...options, maps: new Map(options.maps) };
}
