// Local port choice for a planned set of forwards: keep the dev server's port number when it is free on
// this machine, otherwise pick another and say so in `remapped`. Never silently: a busy --map pin is an
// error. Pure: testing a port means binding it, so the caller gives the checks (local/port-probe.ts in
// production, fakes in tests).
import { TunnelError } from '../errors.js';
import { isThisMachine } from './local-host.js';
import type { ForwardSpec } from './types.js';

export type IsPortFree = (address: string, port: number) => Promise<boolean>;
export type PickPort = (address: string, exclude: ReadonlySet<number>) => Promise<number>;

/** Who holds a busy port, in a note's words; undefined when nobody visible does. */
export type DescribeHolder = (address: string, port: number) => Promise<string | undefined>;

export interface AssignOptions {
  isFree: IsPortFree;
  pick: PickPort;
  /** Names the holder of a port that was busy, so the remap is never silent about why. */
  holder?: DescribeHolder;
  /** The --map pins (remote → local): a forward on its pinned port is never moved. */
  maps?: ReadonlyMap<number, number>;
  /**
   * The dev server is this machine. A forward to one of its own addresses must then not listen on the
   * port it forwards to: when nothing else holds that port, every connection would come back to our
   * listener and open another channel, until file descriptors run out.
   */
  devServerIsLocal?: boolean;
}

/**
 * Gives every forward a usable local port, in order. Forwards flagged 'conflict' by the planner (localPort 0)
 * get a picked port; others keep theirs when free, else get a picked port with remapped {reason: 'busy'}.
 */
export async function assignLocalPorts(
  specs: readonly ForwardSpec[],
  options: AssignOptions,
): Promise<ForwardSpec[]> {
  const { isFree, pick } = options;
  const taken = new Set<number>();
  const assigned: ForwardSpec[] = [];
  const loopsBack = (spec: ForwardSpec) =>
    options.devServerIsLocal === true && spec.localPort === spec.remotePort && isThisMachine(spec.remoteHost);
  for (const spec of specs) {
    const next = await assignOne(spec, {
      isFree,
      pick,
      taken,
      maps: options.maps,
      loopsBack,
      holder: options.holder,
    });
    taken.add(next.localPort);
    assigned.push(next);
  }
  return assigned;
}

interface AssignContext {
  isFree: IsPortFree;
  pick: PickPort;
  taken: ReadonlySet<number>;
  maps: ReadonlyMap<number, number> | undefined;
  loopsBack: (spec: ForwardSpec) => boolean;
  holder: DescribeHolder | undefined;
}

async function assignOne(spec: ForwardSpec, context: AssignContext): Promise<ForwardSpec> {
  if (spec.localPort === 0 || spec.remapped?.reason === 'conflict') {
    const localPort = await pickChecked(spec, context);
    return { ...spec, localPort, remapped: spec.remapped ?? { from: spec.remotePort, reason: 'conflict' } };
  }
  const loops = context.loopsBack(spec);
  if (
    !loops &&
    !context.taken.has(spec.localPort) &&
    (await context.isFree(spec.localAddress, spec.localPort))
  ) {
    return spec;
  }
  if (isPinned(spec, context.maps)) throw loops ? pinnedLoop(spec) : pinnedBusy(spec);
  const localPort = await pickChecked(spec, context);
  // Say which: a port nobody holds must not be reported as in use.
  if (loops) return { ...spec, localPort, remapped: { from: spec.localPort, reason: 'self' } };
  // Taken by our own earlier forward in this round: no holder to name.
  const heldBy = context.taken.has(spec.localPort)
    ? undefined
    : await context.holder?.(spec.localAddress, spec.localPort);
  const remapped = { from: spec.localPort, reason: 'busy' as const };
  return { ...spec, localPort, remapped: heldBy ? { ...remapped, heldBy } : remapped };
}

function isPinned(spec: ForwardSpec, maps: ReadonlyMap<number, number> | undefined): boolean {
  return spec.remapped?.reason === 'pinned' || maps?.get(spec.remotePort) === spec.localPort;
}

async function pickChecked(spec: ForwardSpec, context: AssignContext): Promise<number> {
  const port = await context.pick(spec.localAddress, context.taken);
  // A picker that ignores `exclude` would give two listeners one port; fail loudly instead.
  if (!Number.isInteger(port) || port < 1 || port > 65535 || context.taken.has(port)) {
    throw new TunnelError('INTERNAL', `No usable local port for ${spec.id}: the picker returned ${port}.`);
  }
  return port;
}

function pinnedLoop(spec: ForwardSpec): TunnelError {
  return new TunnelError(
    'PORT',
    `--map ${spec.remotePort}:${spec.localPort} would forward port ${spec.localPort} to itself: the dev server is this machine.`,
    {
      hint: `Pin another local port (--map ${spec.remotePort}:<other port>), or drop the --map.`,
    },
  );
}

function pinnedBusy(spec: ForwardSpec): TunnelError {
  const port = spec.localPort;
  return new TunnelError(
    'PORT',
    `Local port ${port} (pinned with --map ${spec.remotePort}:${port}) is already in use on ${spec.localAddress}.`,
    {
      hint:
        `Choose another local port with --map ${spec.remotePort}:<port>, or find what holds it: ` +
        `lsof -iTCP:${port} -sTCP:LISTEN (macOS) or ss -ltnp 'sport = :${port}' (Linux).`,
    },
  );
}
