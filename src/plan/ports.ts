// Local port choice for a planned set of forwards: keep the desired port (the dev server's, or a Service's
// own) when it is free on this machine, otherwise move and say so in `remapped`. Never silently: a busy
// --map pin is an error (or, once a session forwards, a forward left out and said: see `leaveOut`). Where a
// forward moves is deterministic for a Service (service-ports.ts). Pure: testing a port means binding it,
// so the caller gives the checks (local/port-probe.ts in production, fakes in tests).
import { TunnelError } from '../errors.js';
import { isThisMachine } from './local-host.js';
import { claimOrder, desiredPort, fallbackCandidates, pinnedPort, serviceKey } from './service-ports.js';
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
  /** The --map pins (remote → local; for a Service forward, its own port → local): never moved. */
  maps?: ReadonlyMap<number, number>;
  /** The `--map NAMESPACE/NAME:PORT:LOCAL` pins (ServiceSelection.pins): never moved either. */
  pins?: readonly (readonly [string, number])[];
  /**
   * The dev server is this machine. A forward to one of its own addresses must then not listen on the
   * port it forwards to: when nothing else holds that port, every connection would come back to our
   * listener and open another channel, until file descriptors run out.
   */
  devServerIsLocal?: boolean;
  /** Ports our own running listeners hold: taken, but neither someone else's nor privileged. */
  reserved?: ReadonlySet<number>;
  /**
   * Given after the first forwarding: a pinned forward whose port cannot be used is left out of the
   * result and handed here, instead of an error. A pinned Service that appears while its port is busy
   * must not stop every later re-plan (other Services appearing, leaving) until the port is free.
   */
  leaveOut?: (spec: ForwardSpec, error: TunnelError) => void;
}

type Remapped = NonNullable<ForwardSpec['remapped']>;

/**
 * Gives every forward a usable local port. First every forward that can keep its port keeps it (pins,
 * then host-port forwards, then Services by name: service-ports.ts claimOrder); only then do the others
 * move, so a fallback never takes a port another forward of this round wanted. Forwards flagged
 * 'conflict' by the planner (localPort 0) always move; the rest move with the reason they could not stay.
 * A forward that knows its Service moves to the first free port of its hashed candidates (the same
 * port on every run), then, as every other forward, to `pick`'s port.
 */
export async function assignLocalPorts(
  specs: readonly ForwardSpec[],
  options: AssignOptions,
): Promise<ForwardSpec[]> {
  const taken = new Set<number>();
  const context: AssignContext = {
    ...options,
    taken,
    isPinned: (spec) =>
      spec.remapped?.reason === 'pinned' || pinnedPort(spec, options.maps, options.pins) === spec.localPort,
    loopsBack: (spec) =>
      options.devServerIsLocal === true &&
      spec.via?.kind !== 'pod' &&
      spec.localPort === spec.remotePort &&
      isThisMachine(spec.remoteHost),
  };
  const done = new Map<string, ForwardSpec>();
  const movers: [ForwardSpec, Remapped][] = [];
  const left = new Set<string>();
  for (const spec of claimOrder(specs, context.isPinned)) {
    const why = await whyMove(spec, context).catch((error: unknown) => {
      if (options.leaveOut === undefined || !(error instanceof TunnelError) || error.code !== 'PORT') {
        throw error;
      }
      options.leaveOut(spec, error);
      left.add(spec.id);
      return 'left' as const;
    });
    if (why === 'left') continue;
    if (why === undefined) {
      taken.add(spec.localPort);
      done.set(spec.id, spec);
    } else movers.push([spec, why]);
  }
  for (const [spec, remapped] of movers) {
    const localPort = await fallbackPort(spec, context);
    taken.add(localPort);
    done.set(spec.id, { ...spec, localPort, remapped });
  }
  return specs.flatMap((spec) => (left.has(spec.id) ? [] : [done.get(spec.id) ?? spec]));
}

interface AssignContext extends AssignOptions {
  taken: Set<number>;
  isPinned: (spec: ForwardSpec) => boolean;
  loopsBack: (spec: ForwardSpec) => boolean;
}

/** Undefined when the forward keeps its port; else why it moves (a pinned one never does: it fails). */
async function whyMove(spec: ForwardSpec, context: AssignContext): Promise<Remapped | undefined> {
  if (spec.localPort === 0 || spec.remapped?.reason === 'conflict') {
    return spec.remapped ?? { from: desiredPort(spec), reason: 'conflict' };
  }
  const loops = context.loopsBack(spec);
  if (
    !loops &&
    !context.taken.has(spec.localPort) &&
    (await context.isFree(spec.localAddress, spec.localPort))
  ) {
    return undefined;
  }
  if (context.isPinned(spec)) throw loops ? pinnedLoop(spec) : pinnedBusy(spec, context);
  // Say which: a port nobody holds must not be reported as in use.
  if (loops) return { from: spec.localPort, reason: 'self' };
  // Our own running listener holds it: another forward claims it, nobody else.
  if (context.reserved?.has(spec.localPort)) return { from: spec.localPort, reason: 'conflict' };
  // Taken by our own earlier forward in this round: no holder to name.
  const ours = context.taken.has(spec.localPort);
  const heldBy = ours ? undefined : await context.holder?.(spec.localAddress, spec.localPort);
  if (heldBy) return { from: spec.localPort, reason: 'busy', heldBy };
  // Below 1024 with nobody visible holding it: probably root-only (Linux wants root or CAP_NET_BIND_SERVICE);
  // a holder lsof cannot see (another user's, without root) looks the same, so the note says "probably".
  if (!ours && spec.localPort < 1024) return { from: spec.localPort, reason: 'privileged' };
  return { from: spec.localPort, reason: 'busy' };
}

// A Service's hashed candidates first, so it lands on the same port on every run; then any free port.
async function fallbackPort(spec: ForwardSpec, context: AssignContext): Promise<number> {
  if (spec.service !== undefined) {
    for (const port of fallbackCandidates(spec.id)) {
      if (!context.taken.has(port) && (await context.isFree(spec.localAddress, port))) return port;
    }
  }
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
    `--map ${desiredPort(spec)}:${spec.localPort} would forward port ${spec.localPort} to itself: the dev server is this machine.`,
    {
      hint: `Pin another local port (--map ${desiredPort(spec)}:<other port>), or drop the --map.`,
    },
  );
}

function pinnedBusy(spec: ForwardSpec, context: AssignContext): TunnelError {
  const port = spec.localPort;
  const key = serviceKey(spec);
  const byName = key !== undefined && context.pins?.some(([name, local]) => name === key && local === port);
  const map = byName ? key : String(desiredPort(spec));
  return new TunnelError(
    'PORT',
    `Local port ${port} (pinned with --map ${map}:${port}) is already in use on ${spec.localAddress}.`,
    {
      hint:
        `Choose another local port with --map ${map}:<port>, or find what holds it: ` +
        `lsof -iTCP:${port} -sTCP:LISTEN (macOS) or ss -ltnp 'sport = :${port}' (Linux).`,
    },
  );
}
