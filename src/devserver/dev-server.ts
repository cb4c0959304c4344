// src/devserver: the one way anything in tunnel reaches the dev server. `openDevServer` opens the SSH
// connection (host keys, auth, ProxyJump as OpenSSH would) and hands back a handle that finds k3d and
// docker once and runs them, lists the k3d clusters, and closes. One-shot commands, doctor and the agent's
// session all go through it; nothing else calls openConnection or findK3d.
import type { SessionOptions } from '../config/resolve.js';
import type { Logger } from '../log.js';
import { findK3d, listClusters } from '../remote/k3d.js';
import { findDocker } from '../remote/node-images.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { connectTarget, type Interaction } from '../session/session.js';
import type { ExecOptions, SshLink } from '../ssh/types.js';

export type DevServerOptions = Pick<SessionOptions, 'alias' | 'sshConfigFile' | 'acceptNewHostKey'>;

/** An open dev server. Finding k3d or docker happens at most once per handle (the answer is cached). */
export interface DevServer {
  readonly alias: string;
  /** The SSH connection, for what is not a program run: forwards, the Kubernetes API, uploads. */
  readonly ssh: SshLink;
  /** k3d as found on the dev server (PATH, then the login shell, then the usual install paths). */
  k3d(): Promise<K3dInfo>;
  /** The docker CLI, found the same way. */
  docker(): Promise<string>;
  /** `k3d cluster list`, parsed. */
  clusters(options?: ExecOptions): Promise<K3dCluster[]>;
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

/** A handle over a connection already open (the agent's session opens its own under supervision). */
export function devServerOver(ssh: SshLink): DevServer {
  let k3d: Promise<K3dInfo> | undefined;
  let docker: Promise<string> | undefined;
  const handle: DevServer = {
    alias: ssh.target.alias,
    ssh,
    k3d: () => {
      k3d ??= findK3d(ssh);
      // A failed find is not cached: the next call (after the user installs k3d) looks again.
      k3d.catch(() => {
        k3d = undefined;
      });
      return k3d;
    },
    docker: () => {
      docker ??= findDocker(ssh);
      docker.catch(() => {
        docker = undefined;
      });
      return docker;
    },
    clusters: async (execOptions) => listClusters(ssh, await handle.k3d(), execOptions),
    close: () => ssh.close(),
  };
  return handle;
}
