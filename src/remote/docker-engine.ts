// A docker engine on another host (DOCKER_HOST=tcp://…/ssh://…, or a docker context pointing there):
// learn where it is, and place the clusters' published ports there. k3d publishes every port on the
// engine's host, so a wildcard mapping is reached at that host from the dev server (the SSH server dials
// it: direct-tcpip to <engine host>:<hostPort>), never at the dev server's 127.0.0.1.
import { TunnelError } from '../errors.js';
import type { SshConnection } from '../ssh/types.js';
import {
  type DockerEngine,
  isLoopbackAddress,
  LOCAL_ENGINE,
  parseDockerEndpoint,
} from './docker-endpoint.js';
import { isWildcardHost } from './k3d-parse.js';
import { type Runnable, runProgram } from './program.js';
import type { K3dCluster, PortMapping } from './types.js';

const TIMEOUT_MS = 20_000;
// What the docker CLI would dial (flags, env, context), without contacting the engine.
const CONTEXT_ARGS = ['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'];

export interface EngineLookup {
  /** The docker CLI as the handle found it (it throws DOCKER_MISSING when there is none). */
  docker: () => Promise<Runnable>;
  /** k3d as found: without docker, DOCKER_HOST is read in k3d's environment (what k3d's GetHost reads). */
  k3d: () => Promise<Runnable>;
}

/** Where the engine is, as docker and k3d on the dev server see it; LOCAL_ENGINE when it cannot be told. */
export async function readDockerEngine(conn: SshConnection, lookup: EngineLookup): Promise<DockerEngine> {
  const fromDocker = await lookup.docker().then(
    (docker) => firstLine(conn, docker, CONTEXT_ARGS),
    () => undefined,
  );
  // docker before 19.03 or a podman-docker shim has no `context`; k3d still dials DOCKER_HOST.
  const text =
    fromDocker ??
    (await lookup.k3d().then(
      (k3d) =>
        firstLine(conn, { ...k3d, path: 'printenv', command: swapProgram(k3d, 'printenv') }, ['DOCKER_HOST']),
      () => undefined,
    ));
  const engine = text ? parseDockerEndpoint(text) : LOCAL_ENGINE;
  if (engine.scheme === 'ssh' && engine.remoteHost) await checkResolves(conn, engine);
  return engine;
}

async function firstLine(
  conn: SshConnection,
  program: Runnable,
  args: string[],
): Promise<string | undefined> {
  const result = await runProgram(conn, program, args, { timeoutMs: TIMEOUT_MS }).catch(() => undefined);
  if (result?.code !== 0) return undefined;
  return result.stdout.split('\n', 1)[0]?.trim() || undefined;
}

// The same environment (login shell or not), another program: the last word of the command is the path.
function swapProgram(program: Runnable, name: string): string[] {
  if (program.shell === undefined) return [name];
  return [...program.command.slice(0, -1), name];
}

/**
 * An ssh:// engine is dialled by the docker CLI through `ssh`, which reads ~/.ssh/config: its host may be
 * an alias only ssh knows. The forwards are dialled by the SSH server, which resolves it through DNS and
 * /etc/hosts (getent); a name that does not resolve there would forward to nothing, so say it now.
 */
async function checkResolves(conn: SshConnection, engine: DockerEngine): Promise<void> {
  const host = engine.remoteHost ?? '';
  const result = await conn.exec(['getent', 'hosts', host], { timeoutMs: TIMEOUT_MS }).catch(() => undefined);
  // 2: not found (getent(1)); 127 or no answer: no getent, leave it to the forwards.
  if (result?.code !== 2) return;
  const alias = conn.target.alias;
  throw new TunnelError(
    'FORWARD',
    `The docker engine on ${alias} is at ${engine.endpoint}, but "${host}" does not resolve on ${alias}: ` +
      'the clusters publish their ports there, and the tunnel cannot reach them.',
    {
      hint:
        `"${host}" is probably a Host alias in ~/.ssh/config on ${alias} (only ssh reads it). Set DOCKER_HOST ` +
        `to ssh://<user>@<its real host name or IP> in ~/.profile there, or add it to /etc/hosts. Check with: ` +
        `ssh ${alias} getent hosts ${host}`,
    },
  );
}

/**
 * The clusters as the dev server reaches them: with the engine on another host, a wildcard mapping is
 * reached at that host, and one bound to that host's loopback cannot be reached at all (left out, with why).
 */
export function placeClusters(clusters: readonly K3dCluster[], engine: DockerEngine): K3dCluster[] {
  const host = engine.remoteHost;
  if (host === undefined) return [...clusters];
  return clusters.map((cluster) => {
    const warnings = [...cluster.warnings];
    const place = (mapping: PortMapping): PortMapping | undefined => {
      if (isWildcardHost(mapping.hostIp)) return { ...mapping, hostIp: host };
      if (!isLoopbackAddress(mapping.hostIp)) return mapping;
      warnings.push(
        `host port ${mapping.hostPort} is bound to ${mapping.hostIp} on the docker host ${host}: only that host ` +
          'reaches it, so it is not forwarded (publish it on 0.0.0.0 to forward it)',
      );
      return undefined;
    };
    const api = cluster.api ? place(cluster.api) : undefined;
    const ports = cluster.ports.flatMap((mapping) => place(mapping) ?? []);
    return { ...cluster, api, ports, warnings };
  });
}
