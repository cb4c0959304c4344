// `--map NAMESPACE/NAME:PORT:LOCAL`: a pinned local port for one Service port (issue 14), next to the
// `--map REMOTE:LOCAL` host-port pins (forward-plan.ts parsePortMaps). Pure. A value with a "/" is a
// Service pin: a bare port never has one, so the two forms cannot be confused.
import { UsageError } from '../errors.js';
import { isDnsLabel } from './kube-names.js';

const PIN_EXAMPLE =
  'Example: --map monitoring/grafana:3000:13000 serves the Service grafana (namespace monitoring), port 3000, on localhost:13000.';

/** Whether a --map value is the Service form (it names a namespace/name). */
export function isServicePinSpec(spec: string): boolean {
  return spec.includes('/');
}

/** `ns/name:port:local` → [`ns/name:port`, local] (ServiceSelection.pins' shape). */
export function parseServicePin(spec: string): [string, number] {
  const where = `--map ${JSON.stringify(spec)}`;
  const fail = (problem: string) =>
    new UsageError(`${where}: ${problem}; expected NAMESPACE/NAME:PORT:LOCAL.`, PIN_EXAMPLE);
  const parts = spec.trim().split(':');
  if (parts.length !== 3) throw fail(`has ${parts.length - 1} ":" where a Service pin has 2`);
  const [service = '', portText = '', localText = ''] = parts;
  const names = service.split('/');
  if (names.length !== 2) throw fail(`${JSON.stringify(service)} is not NAMESPACE/NAME`);
  const [namespace = '', name = ''] = names;
  for (const [what, text] of [
    ['namespace', namespace],
    ['Service name', name],
  ] as const) {
    if (!isDnsLabel(text)) {
      throw fail(
        `the ${what} ${JSON.stringify(text)} is not a Kubernetes name (lowercase letters, digits and inner dashes, at most 63)`,
      );
    }
  }
  const port = pinPort(portText, 'Service port', fail);
  const local = pinPort(localText, 'local port', fail);
  return [`${namespace}/${name}:${port}`, local];
}

function pinPort(text: string, what: string, fail: (problem: string) => UsageError): number {
  if (!/^\d+$/.test(text)) {
    throw fail(`the ${what} ${text === '' ? 'is missing' : `${JSON.stringify(text)} is not a number`}`);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) throw fail(`the ${what} ${text} is outside 1-65535`);
  return port;
}

/** Every Service pin; one Service port pinned twice (to different ports) is an error. */
export function parseServicePins(specs: readonly string[]): [string, number][] {
  const pins = new Map<string, number>();
  for (const spec of specs) {
    const [service, local] = parseServicePin(spec);
    const earlier = pins.get(service);
    if (earlier !== undefined && earlier !== local) {
      throw new UsageError(`--map pins ${service} twice (to ${earlier} and ${local}).`, PIN_EXAMPLE);
    }
    const other = [...pins].find(([name, port]) => port === local && name !== service);
    if (other) {
      throw new UsageError(
        `--map sends both ${other[0]} and ${service} to local port ${local}.`,
        PIN_EXAMPLE,
      );
    }
    pins.set(service, local);
  }
  return [...pins];
}
