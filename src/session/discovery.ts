// What the last discovery found (the dev server's name, k3d, the docker host, what was skipped, which
// forwards failed to bind, the transport), kept for `connect`'s report and `status`, and the two
// supervisor ports that fill it in: the discover step and the listeners' apply. Split from
// managed-session.ts so the session only wires the ports; what each step records lives here.
import type { SessionOptions } from '../config/resolve.js';
import type { DevServerOptions } from '../devserver/dev-server.js';
import { describeError } from '../errors.js';
import type { ListenerSet } from '../forward/listener-set.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import type { TransportInfo } from '../ssh/types.js';
import type { ForwardsPort } from '../supervisor/ports.js';
import type { LiveConnection } from './live-connection.js';

/** What the last discovery found, for `connect`'s report and `status`. */
export interface Discovery {
  hostName: string | undefined;
  k3d: K3dInfo | undefined;
  skipped: { cluster: string; reason: string }[];
  unusedMaps: number[];
  failed: { spec: ForwardSpec; error: string }[];
  discoveredAt: string | undefined;
  /** The docker engine's host when it is not the dev server (its ports are there). */
  dockerHost?: string;
  /** The current or last connection's transport, for status (ssh2 when the link does not say). */
  transport: TransportInfo | undefined;
}

export function emptyDiscovery(): Discovery {
  return {
    hostName: undefined,
    k3d: undefined,
    skipped: [],
    unusedMaps: [],
    failed: [],
    discoveredAt: undefined,
    transport: undefined,
  };
}

/** The discover port: k3d's clusters over `connection`, noting k3d and the docker host on the way. */
export async function discoverInto(discovery: Discovery, connection: LiveConnection): Promise<K3dCluster[]> {
  // The handle finds k3d once per connection (a new connection may meet a reinstalled server).
  discovery.k3d = await connection.devServer.k3d();
  const clusters = await connection.devServer.clusters();
  discovery.dockerHost = (await connection.devServer.engine()).remoteHost;
  discovery.discoveredAt = new Date().toISOString();
  return clusters;
}

/** The forwards port over `listeners`: apply notes the forwards that failed; `onPortsChanged` persists. */
export function recordingForwards(
  listeners: ListenerSet,
  discovery: Discovery,
  onPortsChanged: () => void,
): ForwardsPort {
  return {
    apply: async (specs: readonly ForwardSpec[]) => {
      const result = await listeners.apply(specs);
      discovery.failed = result.failed.map(({ spec, error }) => ({
        spec,
        error: describeError(error),
      }));
      // New local ports must reach the session's record before anything else can go wrong (and a
      // retargeted forward's new node, `status --watch`).
      const changed = result.started.length + result.stopped.length + result.retargeted.length;
      if (changed > 0) onPortsChanged();
      return result;
    },
    setOpener: listeners.setOpener.bind(listeners),
    snapshot: listeners.snapshot.bind(listeners),
    stopAll: listeners.stopAll.bind(listeners),
    checkRemotes: (options: { onlyUnproven: boolean }) => listeners.checkRemotes(options),
  };
}

/** What status shows of the last discovery. */
export function discoveryStatus(discovery: Discovery) {
  return {
    hostName: discovery.hostName,
    k3dVersion: discovery.k3d?.k3dVersion,
    discoveredAt: discovery.discoveredAt,
    dockerHost: discovery.dockerHost,
    skipped: discovery.skipped,
    unusedMaps: discovery.unusedMaps,
    failed: discovery.failed,
    transport: discovery.transport,
  };
}

/** A reconnect goes straight to OpenSSH when auto chose it before (see ConnectOptions.openSshReason). */
export function connectOptions(options: SessionOptions, discovery: Discovery): DevServerOptions {
  const last = discovery.transport;
  if (last?.kind !== 'openssh' || last.reason === undefined) return options;
  return { ...options, openSshReason: last.reason };
}
