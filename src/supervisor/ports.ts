// The supervisor's view of the world: small interfaces it is given, so unit tests drive every
// transition with fakes and fake timers. Production implementations live with the wiring (agent),
// over src/ssh, src/remote, src/plan, src/forward and src/kubeconfig.
import type { ChannelOpener, ForwardSnapshot } from '../forward/types.js';
import type { Logger } from '../log.js';
import type { ForwardSpec } from '../plan/types.js';
import type { K3dCluster } from '../remote/types.js';

/**
 * Why a supervised connection ended, in the supervisor's words (the session layer maps its transport's
 * reason onto this): 'keepalive' = a dead link was detected; 'remote' = the server closed it; 'local' =
 * we closed it; 'error' = anything else.
 */
export interface ConnectionEnd {
  kind: 'keepalive' | 'remote' | 'local' | 'error';
  message: string;
}

/** What making the listeners match a plan changed. */
export interface AppliedForwards {
  /** Forwards that listen now and did not before. */
  started: ForwardSpec[];
  /** Forwards that no longer listen. */
  stopped: ForwardSpec[];
  /** Forwards whose local port could not be bound, with why. */
  failed: { spec: ForwardSpec; error: unknown }[];
}

/** What the supervisor needs of one established SSH connection. */
export interface SupervisedConnection {
  /** Resolves exactly once, with why the connection ended. */
  readonly closed: Promise<ConnectionEnd>;
  /** Opens a channel for a forward (production: forwardOut on this connection). */
  readonly openChannel: ChannelOpener;
  /**
   * Proves the link carries traffic now: true when the server answered. Production: a
   * keepalive@openssh.com global request with want-reply (never a channel or a shell), since a socket
   * that looks writable proves nothing (ssh2 reference §3). The supervisor adds its own timeout, so an
   * implementation may simply wait.
   */
  probe(): Promise<boolean>;
  /**
   * Bytes received from the server so far (monotonic). A probe's deadline is extended while this grows:
   * a link that is delivering data is alive, and on a busy link the probe's answer queues behind it.
   * Optional: without it a probe gets exactly probeTimeoutMs.
   */
  readonly bytesReceived?: number;
  close(): void;
}

/** The live listeners; ListenerSet satisfies this. */
export interface ForwardsPort {
  /** Makes the listeners match `specs`: unchanged forwards are left alone. */
  apply(specs: readonly ForwardSpec[]): Promise<AppliedForwards>;
  /** undefined while the session is down: listeners stay bound and hold new clients. */
  setOpener(opener: ChannelOpener | undefined): void;
  snapshot(): ForwardSnapshot[];
  stopAll(): Promise<void>;
  /** Checks forwards' dev-server ends after a discovery (all after a connect); optional for fakes. */
  checkRemotes?(options: { onlyUnproven: boolean }): Promise<void>;
}

export interface KubeconfigUpdate<C> {
  connection: C;
  clusters: K3dCluster[];
  /** Forwards that are listening now (the API forwards among them are what kubeconfig points at). */
  forwards: ForwardSpec[];
  /** 'connect' after every (re)connect; 'rediscover' after each periodic re-read. */
  trigger: 'connect' | 'rediscover';
}

export interface SupervisorPorts<C extends SupervisedConnection> {
  /** A fresh connection per attempt; rejects (TunnelError with a hint where possible) on failure. */
  connect(signal: AbortSignal): Promise<C>;
  discover(connection: C, signal: AbortSignal): Promise<K3dCluster[]>;
  plan(clusters: K3dCluster[]): Promise<ForwardSpec[]>;
  forwards: ForwardsPort;
  /**
   * Brings kubeconfig in line. Called on every trigger, including re-discoveries that changed no
   * forward (a re-created cluster keeps its ports but has new certificates), so an implementation
   * should write only when the content differs.
   */
  applyKubeconfig(update: KubeconfigUpdate<C>): Promise<void>;
  clock?: Clock;
  /** A value that changes when the machine's network changes; default network-fingerprint.ts. */
  networkFingerprint?: () => string;
  log: Logger;
}

export type TimerHandle = unknown;

/** Time, injectable; the default reads the globals at call time so vi.useFakeTimers() applies. */
export interface Clock {
  /** Wall-clock ms (Date.now): it keeps counting while the machine sleeps. */
  now(): number;
  /**
   * Monotonic ms (performance.now = libuv's uv_hrtime). On Linux that is CLOCK_MONOTONIC, which stops
   * while the machine is suspended, so wall minus monotonic grows by the time asleep. On macOS libuv
   * reads mach_continuous_time (since v1.38.1, commit 4685be23: mach_absolute_time jumped back after
   * sleep), which counts sleep too: there the gap stays ~0 and only a very late tick tells a sleep.
   */
  monotonicNow(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
