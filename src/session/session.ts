// One dev server, end to end: resolve the alias, connect, discover k3d's clusters, plan and open the
// local forwards, write the kubeconfig. Used in the foreground and by the detached session process.
// It never reconnects (the supervisor of a later issue does); `closed` says when the link is gone.
import { contextNameFor, isLoopback, type SessionOptions } from '../config/resolve.js';
import { describeError } from '../errors.js';
import { ListenerSet } from '../forward/listener-set.js';
import type { ForwardSnapshot } from '../forward/types.js';
import type { Logger } from '../log.js';
import { planForwards } from '../plan/forward-plan.js';
import { assignLocalPorts } from '../plan/ports.js';
import type { ForwardSpec } from '../plan/types.js';
import { findK3d, listClusters } from '../remote/k3d.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { openConnection } from '../ssh/connection.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import type { CloseReason, SshConnection } from '../ssh/types.js';
import { applyKubeconfig, type KubeconfigReport } from './kubeconfig-step.js';

/** Questions only a person at a terminal can answer; absent when nobody can. */
export interface Interaction {
  confirm?: (question: string) => Promise<boolean>;
  askPassphrase?: (file: string) => Promise<string | undefined>;
}

export interface SessionReport {
  alias: string;
  hostName: string;
  k3d: K3dInfo;
  clusters: K3dCluster[];
  forwards: ForwardSpec[];
  skipped: { cluster: string; reason: string }[];
  /** --map pins whose remote port no forwarded cluster publishes. */
  unusedMaps: number[];
  failed: { spec: ForwardSpec; error: string }[];
  kubeconfig: KubeconfigReport;
}

export async function connectTarget(
  options: Pick<SessionOptions, 'alias' | 'sshConfigFile' | 'acceptNewHostKey'>,
  interaction: Interaction,
  log: Logger,
): Promise<SshConnection> {
  const target = await resolveTarget(options.alias, { configFile: options.sshConfigFile });
  return await openConnection(target, {
    hostKeyPolicy: { acceptNewHostKey: options.acceptNewHostKey, prompt: interaction.confirm },
    askPassphrase: interaction.askPassphrase,
    resolveHop: (hop: string) => resolveTarget(hop, { configFile: options.sshConfigFile }),
    log,
  });
}

/** The address kubectl on this machine should use to reach a forward bound to `bindAddress`. */
export function clientAddress(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::' || isLoopback(bindAddress)) {
    return bindAddress === '::1' ? '[::1]' : '127.0.0.1';
  }
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

export class Session {
  private constructor(
    readonly connection: SshConnection,
    readonly report: SessionReport,
    private readonly listeners: ListenerSet,
  ) {}

  static async start(options: SessionOptions, interaction: Interaction, log: Logger): Promise<Session> {
    const connection = await connectTarget(options, interaction, log);
    try {
      return await Session.startOn(connection, options, log);
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  private static async startOn(connection: SshConnection, options: SessionOptions, log: Logger) {
    const k3d = await findK3d(connection);
    log('info', `k3d found via ${k3d.foundVia}`, { k3d: k3d.command.join(' '), version: k3d.k3dVersion });
    const clusters = await listClusters(connection, k3d);
    const plan = planForwards(clusters, {
      clusters: options.clusters,
      maps: options.maps,
      bindAddress: options.bindAddress,
    });
    const forwards = await assignLocalPorts(plan.forwards, { maps: options.maps });
    const listeners = new ListenerSet(
      (spec, source) => connection.forwardOut(spec.remoteHost, spec.remotePort, source),
      log,
    );
    const applied = await listeners.apply(forwards);
    const failed = applied.failed.map(({ spec, error }) => ({ spec, error: describeError(error) }));
    let kubeconfig: KubeconfigReport;
    try {
      kubeconfig = await applyKubeconfig({
        connection,
        k3d,
        forwards: applied.started,
        mode: options.kubeconfig,
        names: (cluster) => contextNameFor(options.contextTemplate, cluster, options.alias),
        serverHost: clientAddress(options.bindAddress),
        log,
      });
    } catch (error) {
      // The session is not starting after all: its listeners must not outlive it.
      await listeners.stopAll();
      throw error;
    }
    const report: SessionReport = {
      alias: options.alias,
      hostName: connection.target.hostName,
      k3d,
      clusters,
      forwards: applied.started,
      skipped: plan.skipped,
      unusedMaps: plan.unusedMaps,
      failed,
      kubeconfig,
    };
    return new Session(connection, report, listeners);
  }

  get closed(): Promise<CloseReason> {
    return this.connection.closed;
  }

  snapshot(): ForwardSnapshot[] {
    return this.listeners.snapshot();
  }

  async stop(): Promise<void> {
    await this.listeners.stopAll();
    this.connection.close();
  }
}
