// The checks of issue 14's settings (which Services a session forwards), wherever a value comes from: a
// flag, `tunnel config set`, or the settings file. Pure. An error says what, why, and what to type.
import { UsageError } from '../errors.js';
import { parsePortMaps } from '../plan/forward-plan.js';
import { isDnsLabel } from '../plan/kube-names.js';
import { MAX_SELECTOR_LENGTH, parseLabelSelector } from '../plan/label-selector.js';
import { isServicePinSpec, parseServicePins } from '../plan/service-pin.js';
import type { ServiceSelection, ServicesMode } from '../plan/types.js';
import { DEFAULT_EXCLUDED_NAMESPACES, DEFAULT_SERVICES_MODE } from './defaults.js';
import type { ValueSource } from './setting-checks.js';

export const SERVICES_MODES: readonly ServicesMode[] = ['mapped', 'nodeport', 'all'];
/** Bounds shared with the control socket's reading (control/validate-services.ts). */
export const SERVICE_LIMITS = { namespaces: 100, selectorLength: MAX_SELECTOR_LENGTH, pins: 256 } as const;
/** `--exclude-namespace none`: exclude nothing (not even kube-system); a list cannot be typed empty. */
export const NO_NAMESPACE = 'none';

/** The built-in selection: NodePort/LoadBalancer Services of every namespace but kube-system. */
export function defaultServiceSelection(): ServiceSelection {
  return {
    mode: DEFAULT_SERVICES_MODE,
    namespaces: [],
    excludeNamespaces: [...DEFAULT_EXCLUDED_NAMESPACES],
    selector: undefined,
    pins: [],
  };
}

function fix(source: ValueSource, example: string): string {
  return 'flag' in source
    ? `For example: ${source.flag} ${example}`
    : `For example: tunnel config set ${source.host} ${source.key} ${example}`;
}

function subject(source: ValueSource, value: string): string {
  return 'flag' in source
    ? `${source.flag} ${value}`
    : `setting ${source.key} ${JSON.stringify(value)} for ${source.host}`;
}

export function checkServicesMode(value: string, source: ValueSource): ServicesMode {
  const mode = SERVICES_MODES.find((known) => known === value);
  if (mode === undefined) {
    throw new UsageError(
      `${subject(source, value)}: expected mapped, nodeport or all (mapped: only k3d's port mappings; nodeport: also every NodePort/LoadBalancer Service; all: also ClusterIP Services)`,
      fix(source, 'all'),
    );
  }
  return mode;
}

export function checkNamespaces(names: readonly string[], source: ValueSource): string[] {
  if (names.length > SERVICE_LIMITS.namespaces) {
    throw new UsageError(
      `${'flag' in source ? source.flag : `setting ${source.key} for ${source.host}`}: ${names.length} namespaces, at most ${SERVICE_LIMITS.namespaces}`,
      'Name fewer, or filter by label with --selector.',
    );
  }
  for (const name of names) {
    if (!isDnsLabel(name)) {
      throw new UsageError(
        `${subject(source, name)}: not a namespace name (lowercase letters, digits and inner dashes, at most 63 characters)`,
        fix(source, 'monitoring'),
      );
    }
  }
  return [...new Set(names)];
}

export function checkSelector(value: string, source: ValueSource): string {
  const name = 'flag' in source ? source.flag : `setting ${source.key} for ${source.host}`;
  const syntax = '(=, ==, !=, key, !key, key in (a,b), key notin (a); a comma means and)';
  if (value.length > SERVICE_LIMITS.selectorLength) {
    throw new UsageError(
      `${name}: the label selector has ${value.length} characters, at most ${SERVICE_LIMITS.selectorLength}.`,
      `${fix(source, "'app=web,tier!=cache'")} ${syntax}`,
    );
  }
  try {
    parseLabelSelector(value);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    // The parser's message quotes the selector and names the bad part; its hint speaks of the flag
    // only, so the hint here names the flag or the setting to fix.
    throw new UsageError(`${name}: ${error.message}`, `${fix(source, "'app=web,tier!=cache'")} ${syntax}`);
  }
  return value;
}

export interface MapSpecs {
  /** `REMOTE:LOCAL`: host-port pins. */
  ports: Map<number, number>;
  /** `NAMESPACE/NAME:PORT:LOCAL`: Service pins, as ServiceSelection.pins. */
  pins: [string, number][];
}

/** Every --map value, split into host-port pins and Service pins; one local port pinned twice is an error. */
export function splitMaps(specs: readonly string[]): MapSpecs {
  const servicePins = specs.filter(isServicePinSpec);
  const ports = parsePortMaps(specs.filter((spec) => !isServicePinSpec(spec)));
  const pins = parseServicePins(servicePins);
  if (pins.length > SERVICE_LIMITS.pins) {
    throw new UsageError(`--map pins ${pins.length} Services, at most ${SERVICE_LIMITS.pins}.`);
  }
  const hostPorts = new Map([...ports].map(([remote, local]) => [local, remote]));
  for (const [service, local] of pins) {
    const remote = hostPorts.get(local);
    if (remote !== undefined) {
      throw new UsageError(
        `--map sends both ${remote} and ${service} to local port ${local}.`,
        'Give one of them another local port.',
      );
    }
  }
  return { ports, pins };
}

/** A namespace or Service name (RFC 1123 label), for readers that may not import plan/ (control/). */
export function isNamespaceName(text: string): boolean {
  return isDnsLabel(text);
}
