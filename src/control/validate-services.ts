// `options.services` of a connect frame or a saved session (issue 14): which Services the agent forwards.
// Bounded and checked as the CLI checks them (config/service-checks.ts), since a frame may come from any
// local client and a saved file may have been edited. Absent (an older client or saved session) = undefined;
// deserializeOptions then gives the built-in default.
import type { SessionOptions } from '../config/resolve.js';
import { isNamespaceName, SERVICE_LIMITS, SERVICES_MODES } from '../config/service-checks.js';
import {
  FieldError,
  isObject,
  readInteger,
  readOptionalString,
  readString,
  readStringArray,
} from './validate.js';

type ServiceSelection = SessionOptions['services'];

/** A pin's key, as plan/service-pin.ts writes it: `namespace/name:port`. */
const PIN_KEY = /^([^/]{1,63})\/([^:]{1,63}):(\d{1,5})$/;

export function readServiceSelection(options: Record<string, unknown>): ServiceSelection | undefined {
  const value = options.services;
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new FieldError('field "services" must be an object');
  const modeWord = readString(value, 'mode');
  const mode = SERVICES_MODES.find((known) => known === modeWord);
  if (mode === undefined) throw new FieldError(`field "services.mode" must be ${SERVICES_MODES.join(', ')}`);
  const selector = readOptionalString(value, 'selector');
  if (selector !== undefined && selector.length > SERVICE_LIMITS.selectorLength) {
    throw new FieldError(
      `field "services.selector" must be at most ${SERVICE_LIMITS.selectorLength} characters`,
    );
  }
  return {
    mode,
    namespaces: readNamespaces(value, 'namespaces'),
    excludeNamespaces: readNamespaces(value, 'excludeNamespaces'),
    selector,
    pins: readPins(value),
  };
}

function readNamespaces(object: Record<string, unknown>, key: string): string[] {
  const raw = object[key];
  if (Array.isArray(raw) && raw.length > SERVICE_LIMITS.namespaces) {
    throw new FieldError(`field "services.${key}" must hold at most ${SERVICE_LIMITS.namespaces} namespaces`);
  }
  const names = readStringArray(object, key);
  if (!names.every(isNamespaceName)) {
    throw new FieldError(`field "services.${key}" must hold namespace names`);
  }
  return names;
}

function readPins(object: Record<string, unknown>): [string, number][] {
  const value = object.pins;
  if (!Array.isArray(value) || value.length > SERVICE_LIMITS.pins) {
    throw new FieldError(`field "services.pins" must be a list of at most ${SERVICE_LIMITS.pins} pins`);
  }
  return value.map((pin) => {
    if (!Array.isArray(pin) || pin.length !== 2 || typeof pin[0] !== 'string') {
      throw new FieldError('field "services.pins" holds a bad pin');
    }
    const match = PIN_KEY.exec(pin[0]);
    const port = match ? Number(match[3]) : 0;
    if (
      !match ||
      !isNamespaceName(match[1] ?? '') ||
      !isNamespaceName(match[2] ?? '') ||
      port < 1 ||
      port > 65535
    ) {
      throw new FieldError('field "services.pins" holds a bad pin');
    }
    return [pin[0], readInteger({ port: pin[1] }, 'port', 1, 65535)];
  });
}
