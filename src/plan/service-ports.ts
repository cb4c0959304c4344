// Local ports for Service forwards (issue 14): many Services want 80 or 8080, so who keeps a contested port
// and where a loser goes are decided deterministically, from names only, never from timing or a random
// pick: the same Service gets the same local port tomorrow, after a reconnect or on another laptop with
// the same ports free. Pure.
import type { ForwardSpec } from './types.js';

/** Deterministic fallbacks land in this range: above common dev ports, below the ephemeral range. */
export const FALLBACK_FIRST = 20000;
export const FALLBACK_SIZE = 10000;
/** How many hashed candidates are tried before a random free port. */
export const FALLBACK_TRIES = 64;

/** A forward to a Service by node or pod: its `--map` key and preferred local port is the Service's port. */
export function isServiceForward(spec: ForwardSpec): boolean {
  return spec.service !== undefined && spec.via !== undefined && spec.via.kind !== 'host-port';
}

/** The port a forward asks for locally and is pinned by with `--map REMOTE:LOCAL`. */
export function desiredPort(spec: ForwardSpec): number {
  return isServiceForward(spec) && spec.service ? spec.service.port : spec.remotePort;
}

/** `ns/name:port`, the key of a `--map NAMESPACE/NAME:PORT:LOCAL` pin. */
export function serviceKey(spec: ForwardSpec): string | undefined {
  return spec.service && `${spec.service.namespace}/${spec.service.name}:${spec.service.port}`;
}

/** The local port a user pinned this forward to, if any (a Service pin wins over a numeric one). */
export function pinnedPort(
  spec: ForwardSpec,
  maps: ReadonlyMap<number, number> | undefined,
  pins: readonly (readonly [string, number])[] | undefined,
): number | undefined {
  // By name also for a mapped port named after its Service: the user sees and pins the Service.
  const key = serviceKey(spec);
  const pin = key === undefined ? undefined : pins?.find(([name]) => name === key)?.[1];
  return pin ?? maps?.get(desiredPort(spec));
}

/** FNV-1a (32 bit) of the text's UTF-16 code units: tiny, stable across Node versions and machines. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The deterministic fallback ports for a forward id, in the order they are tried (linear probing). */
export function fallbackCandidates(id: string, count = FALLBACK_TRIES): number[] {
  const start = fnv1a(id) % FALLBACK_SIZE;
  return Array.from({ length: count }, (_, i) => FALLBACK_FIRST + ((start + i) % FALLBACK_SIZE));
}

/**
 * The order forwards claim contested local ports: pins, then host-port forwards (plan order), then Service
 * forwards by cluster, namespace, name and port, so adding a Service never moves one that sorts earlier.
 */
export function claimOrder(
  specs: readonly ForwardSpec[],
  isPinned: (spec: ForwardSpec) => boolean,
): ForwardSpec[] {
  const pinned = specs.filter(isPinned);
  const rest = specs.filter((spec) => !isPinned(spec));
  const services = rest.filter(isServiceForward).sort(compareServices);
  return [...pinned, ...rest.filter((spec) => !isServiceForward(spec)), ...services];
}

function compareServices(a: ForwardSpec, b: ForwardSpec): number {
  const sa = a.service;
  const sb = b.service;
  return (
    compareText(a.cluster, b.cluster) ||
    compareText(sa?.namespace ?? '', sb?.namespace ?? '') ||
    compareText(sa?.name ?? '', sb?.name ?? '') ||
    (sa?.port ?? 0) - (sb?.port ?? 0)
  );
}

/**
 * Flags local-port clashes between planned forwards: in claim order, a forward whose port an earlier one
 * took gets localPort 0 and remapped {reason: 'conflict'}; assignLocalPorts (ports.ts) then finds its port.
 */
export function flagConflicts(
  specs: readonly ForwardSpec[],
  isPinned: (spec: ForwardSpec) => boolean,
): ForwardSpec[] {
  const claimed = new Set<number>();
  const losers = new Set<string>();
  for (const spec of claimOrder(specs, isPinned)) {
    if (claimed.has(spec.localPort)) losers.add(spec.id);
    else claimed.add(spec.localPort);
  }
  return specs.map((spec) =>
    losers.has(spec.id)
      ? { ...spec, localPort: 0, remapped: { from: spec.localPort, reason: 'conflict' } }
      : spec,
  );
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
