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
import { locateEngineHost } from './engine-host.js';
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

/**
 * Where the engine is, as docker and k3d on the dev server see it; LOCAL_ENGINE when they say nothing (no
 * DOCKER_HOST, no context). Rejects when it could not be asked (timeout, dropped channel, a login shell that
 * died): the handle does not cache a rejection, so the next discovery asks again instead of keeping "local".
 */
export async function readDockerEngine(conn: SshConnection, lookup: EngineLookup): Promise<DockerEngine> {
  const docker = await lookup.docker().catch(() => undefined);
  const fromDocker = docker ? await firstLine(conn, docker, CONTEXT_ARGS) : undefined;
  // docker before 19.03 has no `context`. A podman-docker shim has `podman context inspect`, which with no
  // name lists podman's own connections filtered to none and prints nothing: k3d still dials DOCKER_HOST.
  const k3d = fromDocker ? undefined : await lookup.k3d().catch(() => undefined);
  const text =
    fromDocker ??
    (k3d
      ? await firstLine(conn, { ...k3d, path: 'printenv', command: swapProgram(k3d, 'printenv') }, [
          'DOCKER_HOST',
        ])
      : undefined);
  return locateEngineHost(conn, text ? parseDockerEndpoint(text) : LOCAL_ENGINE);
}

/** The first line of a clean answer; undefined when the program answered with an error (nothing to learn). */
async function firstLine(
  conn: SshConnection,
  program: Runnable,
  args: string[],
): Promise<string | undefined> {
  // A rejection (timeout, transport, a login shell that exited) is "could not ask": it propagates.
  const result = await runProgram(conn, program, args, { timeoutMs: TIMEOUT_MS });
  if (result.code === null)
    throw new TunnelError('REMOTE_COMMAND', `${args[0]} ended without an exit status.`);
  if (result.code !== 0) return undefined;
  return result.stdout.split('\n', 1)[0]?.trim() || undefined;
}

// The same environment (login shell or not), another program: the last word of the command is the path.
function swapProgram(program: Runnable, name: string): string[] {
  if (program.shell === undefined) return [name];
  return [...program.command.slice(0, -1), name];
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
    // Still listed (image push, cluster create, nodeports need only the list); the plan skips it, with why.
    const notForwarded = warnings.slice(cluster.warnings.length);
    const { reason, hint } = engine.unreachable ?? {};
    const unreachable = reason && `its ports are published on ${host}, but ${reason}. ${hint}`;
    if (unreachable) warnings.push(unreachable);
    return {
      ...cluster,
      api,
      ports,
      warnings,
      ...(notForwarded.length ? { notForwarded } : {}),
      ...(unreachable ? { unreachable } : {}),
    };
  });
}
