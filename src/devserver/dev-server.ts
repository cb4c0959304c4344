// src/devserver: the one way anything in tunnel reaches the dev server. `openDevServer` opens the SSH
// connection (host keys, auth, ProxyJump as OpenSSH would) and hands back a handle that finds k3d and
// docker once (remote/program.ts: session PATH, the user's login shell, install paths) and runs them in
// the user's login environment (see program.ts), lists the k3d clusters, and closes. One-shot commands,
// doctor (in probe mode, its jump hosts too: probeHop) and the agent's session all go through it; outside
// src/devserver/ nothing calls openConnection, findK3d or findDocker.
import { TunnelError } from '../errors.js';
import type { Logger } from '../log.js';
import { openOpenSsh } from '../openssh/connection.js';
import { type ContainerCli, findContainerCli } from '../remote/container-cli.js';
import type { DockerEngine } from '../remote/docker-endpoint.js';
import { placeClusters, readDockerEngine } from '../remote/docker-engine.js';
import { findK3d, listClusters } from '../remote/k3d.js';
import { findDocker } from '../remote/node-images.js';
import { type RemoteProgram, runProgram, userLoginShell } from '../remote/program.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { openConnection } from '../ssh/connection.js';
import type { HostKeyVerdict, LoginObservation } from '../ssh/probe.js';
import type { ExecOptions, ExecResult, SshConnection, SshLink, SshTarget } from '../ssh/types.js';
import { type ConnectOptions, connectTarget, type Interaction } from './connect.js';

export type DevServerOptions = ConnectOptions;

/** An open dev server. Finding k3d or docker happens at most once per handle (the answer is cached). */
export interface DevServer {
  readonly alias: string;
  /** The SSH connection, for what is not a program run: forwards, the Kubernetes API, uploads. */
  readonly ssh: SshLink;
  /** k3d as found on the dev server (PATH, then the login shell, then the usual install paths). */
  k3d(): Promise<K3dInfo>;
  /** The docker CLI, found the same way (DOCKER_MISSING when there is none). */
  docker(): Promise<RemoteProgram>;
  /**
   * Where the docker engine is (another host with DOCKER_HOST=tcp://… or ssh://…); asked once per
   * connection. An engine host the SSH server cannot dial is a fact (`unreachable`), not an error.
   */
  engine(): Promise<DockerEngine>;
  /** docker, or podman when there is no docker or it reaches no engine (image push uses either). */
  containerCli(): Promise<ContainerCli>;
  /** `k3d cluster list`, parsed, its ports placed where the dev server reaches them (see engine). */
  clusters(options?: ExecOptions): Promise<K3dCluster[]>;
  /** Runs a program this handle found, in the environment it was found in (its login shell, maybe). */
  run(program: RemoteProgram, args: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  close(): void;
}

export async function openDevServer(
  options: DevServerOptions,
  interaction: Interaction,
  log: Logger,
): Promise<DevServer> {
  const ssh = await connectTarget(options, interaction, log);
  return devServerOver(ssh);
}

/** Caches a lookup's answer; a failed one is not cached, so the next call (after a fix) looks again. */
function cached<T>(look: () => Promise<T>): () => Promise<T> {
  let answer: Promise<T> | undefined;
  return () => {
    if (answer) return answer;
    const current = look();
    answer = current;
    current.catch(() => {
      if (answer === current) answer = undefined;
    });
    return current;
  };
}

/**
 * A handle over a connection already open: doctor's probe below (tests build theirs over a fake link).
 * The agent's session and the one-shot commands use openDevServer.
 */
export function devServerOver(ssh: SshLink): DevServer {
  // Asked once per connection, for every program the handle looks for.
  const loginShell = cached(() => userLoginShell(ssh));
  const k3d = cached(() => findK3d(ssh, { loginShell }));
  const docker = cached(() => findDocker(ssh, { loginShell }));
  const engine = cached(() => readDockerEngine(ssh, { docker, k3d }));
  return {
    alias: ssh.target.alias,
    ssh,
    k3d,
    docker,
    engine,
    containerCli: cached(() => findContainerCli(ssh, { docker, engine, find: { loginShell } })),
    // Both at once: one round trip less for a one-shot command.
    clusters: async (execOptions) => {
      const [listed, where] = await Promise.all([
        k3d().then((found) => listClusters(ssh, found, execOptions)),
        engine(),
      ]);
      return placeClusters(listed, where);
    },
    run: (program, args, execOptions) => runProgram(ssh, program, args, execOptions),
    close: () => ssh.close(),
  };
}

/** What the doctor's login saw; `devServer` is set when it logged in (the caller closes it). */
export interface DevServerProbe {
  /** undefined: the connection failed before the server showed its host key. */
  hostKey: HostKeyVerdict | undefined;
  /** How we logged in, e.g. "publickey ED25519 SHA256:…". */
  method: string | undefined;
  devServer: DevServer | undefined;
  error: TunnelError | undefined;
}

// Probe mode: a host key not yet known is not trusted, and nothing is written to known_hosts.
const PROBE_POLICY = { acceptNewHostKey: false, record: false } as const;

/** A jump host on the way to the doctor's target, logged in to in probe mode as well (nothing recorded). */
export function probeHop(
  target: SshTarget,
  resolveHop: (alias: string) => Promise<SshTarget>,
): Promise<SshConnection> {
  return openConnection(target, { hostKeyPolicy: PROBE_POLICY, resolveHop, probe: {} });
}

/**
 * The doctor's login: the one connection in probe mode (ssh/probe.ts). It never asks and never records;
 * the host-key verdict and the auth method are reported whether the login succeeded or not.
 */
export async function probeDevServer(
  target: SshTarget,
  options: { resolveHop: (alias: string) => Promise<SshTarget>; timeoutMs?: number },
): Promise<DevServerProbe> {
  const observation: LoginObservation = {};
  try {
    const ssh = await openConnection(target, {
      hostKeyPolicy: PROBE_POLICY,
      resolveHop: options.resolveHop,
      probe: observation,
      ...(options.timeoutMs === undefined ? {} : { readyTimeoutMs: options.timeoutMs }),
    });
    const devServer = devServerOver(ssh);
    return { hostKey: observation.hostKey, method: observation.method, devServer, error: undefined };
  } catch (error) {
    return {
      hostKey: observation.hostKey,
      method: undefined,
      devServer: undefined,
      error: asTunnelError(error),
    };
  }
}

/**
 * The doctor's login when `connect` would use OpenSSH: as an unattended connect (nothing asked, an
 * unknown host key refused, nothing recorded). OpenSSH checks the host key itself, so there is no
 * verdict to report beyond the login's success or its (classified) error.
 */
export async function probeDevServerOverOpenSsh(
  target: SshTarget,
  options: { configFile: string | undefined; reason: string | undefined },
): Promise<DevServerProbe> {
  try {
    const ssh = await openOpenSsh(target, {
      configFile: options.configFile,
      hostKeyPolicy: { ...PROBE_POLICY, unattended: true },
      reason: options.reason,
    });
    return { hostKey: undefined, method: 'through OpenSSH', devServer: devServerOver(ssh), error: undefined };
  } catch (error) {
    return { hostKey: undefined, method: undefined, devServer: undefined, error: asTunnelError(error) };
  }
}

function asTunnelError(error: unknown): TunnelError {
  if (error instanceof TunnelError) return error;
  return new TunnelError('SSH_CONNECT', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
