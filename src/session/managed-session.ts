// One host's session under supervision: the production SupervisorPorts (ssh, k3d, plan, listeners,
// kubeconfig) around a Supervisor, plus the status that `connect` and `status` show. start() resolves
// once the session forwards for the first time and rejects (stopping it) if the first attempt fails,
// so a typo or a refused key is an error at the terminal, not a retry loop in the background.
import { contextNameFor, type SessionOptions } from '../config/resolve.js';
import type { SessionStatus } from '../control/status-document.js';
import type { Interaction } from '../devserver/connect.js';
import { openDevServer } from '../devserver/dev-server.js';
import { TunnelError } from '../errors.js';
import { ListenerSet } from '../forward/listener-set.js';
import { clientAddress } from '../kubeconfig/fetch.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster } from '../remote/types.js';
import type { SupervisorPorts } from '../supervisor/ports.js';
import type { SessionSnapshot } from '../supervisor/state.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { SessionAnswers } from './answers.js';
import {
  connectOptions,
  type Discovery,
  discoveryStatus,
  emptyDiscovery,
  recordingForwards,
} from './discovery.js';
import { KubeconfigFollower } from './kubeconfig-follow.js';
import { LiveConnection } from './live-connection.js';
import { cachedSelfForwardCheck } from './self-forward.js';
import { ServiceDiscovery } from './service-discovery.js';
import { planSession } from './session-plan.js';
import { failed, failureOf } from './start-outcome.js';
import { sessionStatus } from './status.js';

export interface ManagedSessionInput {
  options: SessionOptions;
  log: Logger;
  /** Who answers host-key and passphrase questions during start(); nobody afterwards. */
  interaction: Interaction;
  /** Local ports this session used before (an agent restart): tried first so kubeconfig stays valid. */
  preferredPorts?: ReadonlyMap<string, number>;
  /** Contexts an earlier run wrote, so disconnect removes them too. */
  adoptContexts?: readonly string[];
  /** After every state change or re-discovery (persistence, status --watch). */
  onChange?: (session: ManagedSession) => void;
  /** A forward's counters moved (every chunk too: keep it O(1)); the agent's status feed. */
  onActivity?: () => void;
  /** What the network-change watch reads; default os.networkInterfaces() (tests play a VPN coming up). */
  networkFingerprint?: () => string;
}

export class ManagedSession {
  readonly options: SessionOptions;
  readonly listeners: ListenerSet;
  readonly kubeconfig: KubeconfigFollower;
  private readonly supervisor: Supervisor<LiveConnection>;
  private readonly log: Logger;
  private interaction: Interaction;
  private readonly answers: SessionAnswers;
  private preferredPorts: ReadonlyMap<string, number>;
  private forwarded = false;
  /** The SSH connection goes to this machine (see AssignOptions.devServerIsLocal). */
  private devServerIsLocal = false;
  private readonly selfForwardCheck = cachedSelfForwardCheck();
  private readonly discovery: Discovery = emptyDiscovery();
  private readonly services: ServiceDiscovery;

  constructor(private readonly input: ManagedSessionInput) {
    const { options, log } = input;
    this.options = options;
    this.log = log;
    this.answers = new SessionAnswers(options.askpass);
    this.interaction = this.answers.remembering(input.interaction);
    this.preferredPorts = input.preferredPorts ?? new Map();
    this.listeners = new ListenerSet(undefined, log, {
      holdTimeoutMs: options.holdTimeoutMs,
      onStall: (spec) => this.supervisor.checkLink(`no answer to a channel open for ${spec.id}`),
      ...(input.onActivity ? { onActivity: input.onActivity } : {}),
    });
    this.kubeconfig = new KubeconfigFollower({
      mode: options.kubeconfig,
      names: (cluster) => contextNameFor(options.contextTemplate, cluster, options.alias),
      serverHost: clientAddress(options.bindAddress),
      owner: options.alias,
      log,
    });
    this.kubeconfig.adopt(input.adoptContexts ?? []);
    this.services = new ServiceDiscovery({
      options,
      discovery: this.discovery,
      log,
      rediscoverNow: () => this.supervisor.rediscoverNow(),
      isForwarding: () => this.supervisor.snapshot().state.kind === 'forwarding',
    });
    this.supervisor = new Supervisor(this.ports(), {
      rediscoverIntervalMs: options.rediscoverIntervalMs,
      onChange: (snapshot) => this.changed(snapshot),
    });
  }

  /** Runs the session; resolves with its status once it forwards, rejects if the first attempt fails. */
  start(): Promise<SessionStatus> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const onChange = (snapshot: SessionSnapshot) => {
        if (settled) return;
        if (snapshot.state.kind === 'forwarding' && this.kubeconfig.writeError !== undefined) {
          // The first connect must not report success with a kubeconfig we could not write: the user
          // would find out from kubectl. Stop (ports freed) and say why.
          settled = true;
          const error = this.kubeconfig.writeError;
          void this.stop().then(() => reject(error));
        } else if (snapshot.state.kind === 'forwarding') {
          settled = true;
          this.forwarded = true;
          // From here on nobody is at a terminal: reconnects must not wait for an answer.
          this.interaction = this.answers.unattended();
          resolve(this.status());
        } else if (failed(snapshot)) {
          settled = true;
          void this.stop().then(() => reject(failureOf(snapshot)));
        }
      };
      this.watchers.add(onChange);
      void this.supervisor.start();
    });
  }

  /** Runs the session without waiting for a first success: a restored session retries by itself. */
  resume(): void {
    this.forwarded = true;
    this.interaction = this.answers.unattended();
    void this.supervisor.start();
  }

  /**
   * A session waiting for an answer (needs-answer) tries again now, asking `interaction`'s person (the
   * `tunnel connect` that found it so). Resolves with its status once it forwards again; rejects with
   * why not (it then waits or retries as that failure says), or at once when it was not waiting.
   */
  retryNow(interaction: Interaction): Promise<SessionStatus> {
    return new Promise((resolve, reject) => {
      const onChange = (snapshot: SessionSnapshot) => {
        if (snapshot.state.kind === 'connecting') return;
        this.watchers.delete(onChange);
        this.interaction = this.answers.unattended();
        if (snapshot.state.kind === 'forwarding') resolve(this.status());
        else reject(failureOf(snapshot));
      };
      this.interaction = this.answers.remembering(interaction);
      this.watchers.add(onChange);
      if (this.supervisor.retryNow()) return;
      this.watchers.delete(onChange);
      this.interaction = this.answers.unattended();
      reject(
        new TunnelError(
          'STATE',
          `the session is ${this.supervisor.snapshot().state.kind}, not waiting for an answer`,
        ),
      );
    });
  }

  async stop(): Promise<void> {
    await this.supervisor.stop();
    this.services.stop();
  }

  /** Re-reads k3d's clusters now; false when the session is not connected (it discovers on reconnect). */
  rediscoverNow(): Promise<boolean> {
    return this.supervisor.rediscoverNow();
  }

  snapshot(): SessionSnapshot {
    return this.supervisor.snapshot();
  }

  /** The local port of every live forward, by forward id (persisted for an agent restart). */
  localPorts(): Map<string, number> {
    return new Map(this.listeners.snapshot().map((forward) => [forward.spec.id, forward.spec.localPort]));
  }

  status(): SessionStatus {
    return sessionStatus({
      options: this.options,
      snapshot: this.supervisor.snapshot(),
      kubeconfig: this.kubeconfig.report,
      ...discoveryStatus(this.discovery),
    });
  }

  private readonly watchers = new Set<(snapshot: SessionSnapshot) => void>();

  private ports(): SupervisorPorts<LiveConnection> {
    return {
      connect: async () => {
        const interaction = this.interaction;
        const devServer = await openDevServer(
          connectOptions(this.options, this.discovery),
          interaction,
          this.log,
        ).catch((error: unknown) => {
          throw this.answers.failure(error, interaction, this.options.alias);
        });
        const ssh = devServer.ssh;
        this.discovery.hostName = ssh.target.hostName;
        this.discovery.transport = ssh.transport ?? { kind: 'ssh2', reason: undefined };
        this.devServerIsLocal = await this.selfForwardCheck(ssh);
        return new LiveConnection(devServer, (live, spec) => this.services.follower.openPod(live, spec));
      },
      discover: (connection) => this.services.discover(connection),
      plan: (clusters) => this.plan(clusters),
      forwards: this.services.noting(
        recordingForwards(this.listeners, this.discovery, () => this.input.onChange?.(this)),
      ),
      applyKubeconfig: async ({ connection, clusters, forwards }) => {
        await this.kubeconfig.update(connection, clusters, forwards);
        const errors = this.kubeconfig.report.errors;
        if (errors.length > 0 && !this.forwarded) {
          this.log('warn', `kubeconfig not written for ${errors.map((entry) => entry.cluster).join(', ')}`);
        }
      },
      log: this.log,
      ...(this.input.networkFingerprint ? { networkFingerprint: this.input.networkFingerprint } : {}),
    };
  }

  /** Plans from k3d's clusters, keeping every forward that is already listening on its port. */
  private async plan(clusters: K3dCluster[]): Promise<ForwardSpec[]> {
    const plan = await planSession({
      clusters,
      options: this.options,
      lenient: this.forwarded,
      live: this.listeners.snapshot().map((forward) => forward.spec),
      preferredPorts: this.preferredPorts,
      devServerIsLocal: this.devServerIsLocal,
      catalogs: this.services.follower.catalogs(),
    });
    this.discovery.skipped = plan.skipped;
    this.discovery.unusedMaps = plan.unusedMaps;
    return plan.forwards;
  }

  private changed(snapshot: SessionSnapshot): void {
    this.services.sessionChanged();
    for (const watcher of this.watchers) watcher(snapshot);
    this.input.onChange?.(this);
  }
}
