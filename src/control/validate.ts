// Field readers for frames that crossed the control socket. They build fresh typed objects from only
// the fields we know, so nothing untyped (or unexpected) leaks past the protocol boundary.

import { isAskpassPath } from '../config/askpass.js';
import {
  DEFAULT_HOLD_TIMEOUT_MS,
  DEFAULT_REDISCOVER_INTERVAL_MS,
  DEFAULT_TRANSPORT,
  type TransportSetting,
} from '../config/defaults.js';
import { DURATION_LIMITS } from '../config/duration.js';
import type { KubeconfigMode } from '../config/resolve.js';
import { TRANSPORT_SETTINGS } from '../config/setting-checks.js';
import type { SerializedOptions } from './session-options.js';
import { readServiceSelection } from './validate-services.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Thrown only inside this module's callers' try blocks; parseFrame turns it into a ProtocolError. */
export class FieldError extends Error {}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readString(object: Record<string, unknown>, key: string): string {
  const value = object[key];
  if (typeof value !== 'string') throw new FieldError(`field "${key}" must be a string`);
  return value;
}

export function readOptionalString(object: Record<string, unknown>, key: string): string | undefined {
  // JSON has no undefined: an absent field or null both mean "not given".
  if (object[key] === undefined || object[key] === null) return undefined;
  return readString(object, key);
}

export function readBoolean(object: Record<string, unknown>, key: string): boolean {
  const value = object[key];
  if (typeof value !== 'boolean') throw new FieldError(`field "${key}" must be true or false`);
  return value;
}

export function readInteger(
  object: Record<string, unknown>,
  key: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
) {
  const value = object[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(`field "${key}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function readObject(object: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = object[key];
  if (!isObject(value)) throw new FieldError(`field "${key}" must be an object`);
  return value;
}

export function readStringArray(object: Record<string, unknown>, key: string): string[] {
  const value = object[key];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new FieldError(`field "${key}" must be a list of strings`);
  }
  return [...value];
}

/** Deep-copies a JSON value, refusing anything JSON.parse could not have produced. */
export function toJson(value: unknown, depth = 0): JsonValue {
  if (depth > 64) throw new FieldError('value nested too deeply');
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.map((item) => toJson(item, depth + 1));
  if (isObject(value)) {
    const copy: JsonObject = {};
    for (const [key, item] of Object.entries(value)) copy[key] = toJson(item, depth + 1);
    return copy;
  }
  throw new FieldError('value is not JSON');
}

export function readJsonObject(object: Record<string, unknown>, key: string): JsonObject {
  const value = readObject(object, key);
  return toJson(value) as JsonObject;
}

function readPortPairs(object: Record<string, unknown>, key: string): [number, number][] {
  const value = object[key];
  if (!Array.isArray(value)) throw new FieldError(`field "${key}" must be a list of [remote, local] ports`);
  return value.map((pair) => {
    if (!Array.isArray(pair) || pair.length !== 2) throw new FieldError(`field "${key}" holds a bad pair`);
    const [remote, local] = [
      readInteger({ port: pair[0] }, 'port', 1, 65535),
      readInteger({ port: pair[1] }, 'port', 1, 65535),
    ];
    return [remote, local];
  });
}

function readKubeconfigMode(object: Record<string, unknown>): KubeconfigMode {
  const mode = readObject(object, 'kubeconfig');
  const kind = readString(mode, 'kind');
  if (kind === 'none') return { kind };
  if (kind === 'standalone') return { kind, file: readString(mode, 'file') };
  if (kind === 'merge')
    return { kind, file: readString(mode, 'file'), switchContext: readBoolean(mode, 'switchContext') };
  throw new FieldError(`field "kubeconfig.kind" must be merge, standalone or none`);
}

/** The options of `connect`, as serializeOptions (session-options.ts) writes them. */
export function readSessionOptions(object: Record<string, unknown>): SerializedOptions {
  const options = readObject(object, 'options');
  const alias = readString(options, 'alias');
  if (alias.length === 0) throw new FieldError('field "options.alias" must not be empty');
  return {
    alias,
    sshConfigFile: readOptionalString(options, 'sshConfigFile'),
    clusters: readStringArray(options, 'clusters'),
    maps: readPortPairs(options, 'maps'),
    bindAddress: readString(options, 'bindAddress'),
    acceptNewHostKey: readBoolean(options, 'acceptNewHostKey'),
    kubeconfig: readKubeconfigMode(options),
    contextTemplate: readString(options, 'contextTemplate'),
    holdTimeoutMs: readDurationMs(options, 'holdTimeoutMs', DEFAULT_HOLD_TIMEOUT_MS),
    rediscoverIntervalMs: readDurationMs(options, 'rediscoverIntervalMs', DEFAULT_REDISCOVER_INTERVAL_MS),
    transport: readTransport(options),
    askpass: readAskpass(options),
    services: readServiceSelection(options),
  };
}

function readTransport(object: Record<string, unknown>): TransportSetting {
  // Frames and saved sessions from before this field mean the default.
  const value = readOptionalString(object, 'transport');
  if (value === undefined) return DEFAULT_TRANSPORT;
  const setting = TRANSPORT_SETTINGS.find((known) => known === value);
  if (setting === undefined)
    throw new FieldError(`field "transport" must be ${TRANSPORT_SETTINGS.join(', ')}`);
  return setting;
}

/** The agent runs this program: only an absolute path, bounded, without control characters. */
function readAskpass(object: Record<string, unknown>): string | undefined {
  const value = readOptionalString(object, 'askpass');
  if (value !== undefined && !isAskpassPath(value)) {
    throw new FieldError('field "askpass" must be an absolute path of at most 4096 characters');
  }
  return value;
}

function readDurationMs(object: Record<string, unknown>, key: string, fallbackMs: number): number {
  // These fields came after the first clients of this protocol version; a frame without them means the default.
  if (object[key] === undefined || object[key] === null) return fallbackMs;
  return readInteger(object, key, DURATION_LIMITS.minMs, DURATION_LIMITS.maxMs);
}
