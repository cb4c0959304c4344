// A session's plan from k3d's clusters: planForwards, then local ports, keeping every forward that is
// already listening where it listens (no blink on re-discovery) and reusing the ports an earlier run
// used (an agent restart), so the kubeconfig written then stays valid.
import type { SessionOptions } from '../config/resolve.js';
import { holderText, type LocalPortCheck, localPortCheck } from '../local/port-check.js';
import { planForwards } from '../plan/forward-plan.js';
import { type AssignOptions, assignLocalPorts } from '../plan/ports.js';
import { desiredPort, pinnedPort } from '../plan/service-ports.js';
import type { ClusterServices, ForwardSpec } from '../plan/types.js';
import type { K3dCluster } from '../remote/types.js';

export interface SessionPlanInput {
  clusters: K3dCluster[];
  options: Pick<SessionOptions, 'clusters' | 'maps' | 'bindAddress'> &
    Partial<Pick<SessionOptions, 'services'>>;
  /**
   * Per cluster, what its API said (the session's ServiceCatalogs); a cluster missing = not read (yet),
   * said in `skipped`. Without the map at all the session reads no API: mapped ports only.
   */
  catalogs?: ReadonlyMap<string, ClusterServices>;
  /** After the first forwarding: a cluster that cannot be planned is skipped, not an error. */
  lenient: boolean;
  /** The specs of the forwards listening now. */
  live: readonly ForwardSpec[];
  preferredPorts: ReadonlyMap<string, number>;
  /** The SSH connection goes to this machine (see AssignOptions.devServerIsLocal). */
  devServerIsLocal: boolean;
  /** This machine's port check; one per round by default (its lsof snapshot is this round's). Tests inject it. */
  localPorts?: LocalPortCheck;
}

export async function planSession(input: SessionPlanInput) {
  const { options } = input;
  const plan = planForwards(input.clusters, {
    clusters: options.clusters,
    maps: options.maps,
    bindAddress: options.bindAddress,
    lenient: input.lenient,
    services: input.catalogs === undefined ? undefined : options.services,
    catalogs: input.catalogs,
  });
  const live = new Map(input.live.map((spec) => [spec.id, spec]));
  const kept = new Map<string, ForwardSpec>();
  for (const spec of plan.forwards) {
    const current = live.get(spec.id);
    if (current && current.localAddress === spec.localAddress)
      kept.set(spec.id, { ...spec, ...localOf(current) });
  }
  const keptPorts = new Set([...kept.values()].map((spec) => spec.localPort));
  const rest = plan.forwards
    .filter((spec) => !kept.has(spec.id))
    .map((spec) =>
      // A --map pin wins over what an earlier run used.
      pinnedPort(spec, options.maps, options.services?.pins) === undefined
        ? preferred(spec, input.preferredPorts, keptPorts)
        : spec,
    );
  const leftOut: { cluster: string; reason: string }[] = [];
  const assigned = await assignLocalPorts(rest, portOptions(input, keptPorts, leftOut));
  const byId = new Map([...kept.values(), ...assigned].map((spec) => [spec.id, spec]));
  return {
    forwards: plan.forwards.flatMap((spec) => byId.get(spec.id) ?? []),
    skipped: [...plan.skipped, ...leftOut],
    unusedMaps: plan.unusedMaps,
  };
}

/**
 * How assignLocalPorts sees this machine's ports this round: the kept ports are ours; after the first
 * forwarding a Service that cannot get a port is left out (into `leftOut`) instead of failing the plan.
 */
function portOptions(
  input: SessionPlanInput,
  keptPorts: ReadonlySet<number>,
  leftOut: { cluster: string; reason: string }[],
): AssignOptions {
  const { options } = input;
  const ports = input.localPorts ?? localPortCheck();
  return {
    maps: options.maps,
    pins: options.services?.pins,
    devServerIsLocal: input.devServerIsLocal,
    reserved: keptPorts,
    leaveOut: input.lenient
      ? (spec, error) => leftOut.push({ cluster: spec.cluster, reason: error.message })
      : undefined,
    // Our own listeners hold the kept ports: they are taken, not "busy because of someone else".
    isFree: async (address, port) => !keptPorts.has(port) && (await ports.isFree(address, port)),
    pick: (address, exclude) => ports.pick(address, new Set([...exclude, ...keptPorts])),
    holder: async (address, port) => {
      if (keptPorts.has(port)) return undefined;
      const owner = await ports.owner(address, port);
      return owner ? holderText(owner) : undefined;
    },
  };
}

/** The port an earlier run used for this forward, when it differs from the planner's first choice. */
function preferred(
  spec: ForwardSpec,
  preferredPorts: ReadonlyMap<string, number>,
  keptPorts: ReadonlySet<number>,
): ForwardSpec {
  const port = preferredPorts.get(spec.id);
  if (port === undefined || port === spec.localPort || keptPorts.has(port)) return spec;
  if (spec.remapped?.reason === 'pinned') return spec;
  return { ...spec, localPort: port, remapped: { from: desiredPort(spec), reason: 'busy' } };
}

function localOf(spec: ForwardSpec): Pick<ForwardSpec, 'localPort' | 'remapped'> {
  return { localPort: spec.localPort, remapped: spec.remapped };
}
