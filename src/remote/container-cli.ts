// Which container CLI reaches k3d's nodes on the dev server, and which engine it asks: docker (found once by
// the dev-server handle, and it follows DOCKER_HOST like k3d), else podman where k3d runs on Podman's socket
// with no docker CLI (k3d's Podman guide). podman ignores DOCKER_HOST (it reads CONTAINER_HOST/--url, else its
// own store), so it is pointed at k3d's engine with `--url` when that is a unix socket, and is not used for
// an engine it cannot be pointed at (ssh://, tcp://): its answers would be about another store.
import { TunnelError } from '../errors.js';
import type { SshConnection } from '../ssh/types.js';
import type { DockerEngine } from './docker-endpoint.js';
import type { FindOptions } from './k3d.js';
import { type EngineAnswer, enginePlatform } from './node-images.js';
import { findProgram, type RemoteProgram } from './program.js';

export const PODMAN_FALLBACK_PATHS: readonly string[] = ['/usr/bin/podman', '/usr/local/bin/podman'];
// Where docker and k3d dial without DOCKER_HOST; podman-docker links it to Podman's rootful socket.
const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

/** The container CLI that reaches the nodes. */
export interface ContainerCli {
  program: RemoteProgram;
  kind: 'docker' | 'podman';
  /** Global options before every subcommand: podman's `--url <k3d's DOCKER_HOST>`. */
  args: readonly string[];
  /** What its `info` said (asked once per push): the engine's platform, or why it could not say. */
  engine: EngineAnswer;
}

export interface CliLookup {
  /** The handle's docker CLI (DOCKER_MISSING when there is none). */
  docker: () => Promise<RemoteProgram>;
  /** The handle's engine: where k3d's DOCKER_HOST points. */
  engine: () => Promise<DockerEngine>;
  find: FindOptions;
}

/**
 * docker when it reaches an engine; else podman (a docker CLI without a daemon may still be installed).
 * `podman exec [-i]` takes docker's arguments; only `info --format` differs (node-images.ts). A docker CLI
 * that reaches nothing, with no usable podman either, is still returned: its errors then say what is wrong.
 */
export async function findContainerCli(conn: SshConnection, lookup: CliLookup): Promise<ContainerCli> {
  let docker: ContainerCli | undefined;
  try {
    docker = await withEngine(conn, { program: await lookup.docker(), kind: 'docker', args: [] });
    if (docker.engine.platform !== undefined) return docker;
  } catch (error) {
    if (!(error instanceof TunnelError && error.code === 'DOCKER_MISSING')) throw error;
  }
  const found = await findProgram(conn, {
    name: 'podman',
    installPaths: PODMAN_FALLBACK_PATHS,
    ...lookup.find,
  });
  if (found.program) {
    const engine = await lookup.engine();
    const url = podmanUrl(engine);
    if (url === undefined && docker) return docker;
    if (url === undefined) throw podmanElsewhere(conn, engine);
    const podman = await withEngine(conn, { program: found.program, kind: 'podman', args: url });
    if (docker === undefined || podman.engine.platform !== undefined) return podman;
  }
  if (docker) return docker;
  throw new TunnelError('DOCKER_MISSING', `Neither docker nor podman was found on ${conn.target.alias}.`, {
    hint:
      'tunnel checks the images inside the nodes with the docker CLI (or podman, for k3d on Podman). Install ' +
      `one there, or add its directory to PATH in ~/.profile. Check with: ssh ${conn.target.alias} 'command -v docker podman'`,
  });
}

async function withEngine(conn: SshConnection, cli: Omit<ContainerCli, 'engine'>): Promise<ContainerCli> {
  return { ...cli, engine: await enginePlatform(conn, cli) };
}

/** podman's global options for k3d's engine; undefined when podman cannot be pointed at it. */
export function podmanUrl(engine: DockerEngine): readonly string[] | undefined {
  if (engine.scheme === undefined) return [];
  if (engine.scheme !== 'unix' || engine.endpoint === undefined) return undefined;
  return engine.endpoint === DEFAULT_SOCKET ? [] : ['--url', engine.endpoint];
}

function podmanElsewhere(conn: SshConnection, engine: DockerEngine): TunnelError {
  const host = conn.target.alias;
  return new TunnelError(
    'DOCKER_MISSING',
    `k3d on ${host} uses the engine at ${engine.endpoint ?? 'an unknown endpoint'}, and there is no docker CLI ` +
      'that follows it: podman would look at its own containers instead, so the nodes could not be checked.',
    {
      hint: `Install a docker CLI on ${host} (it dials DOCKER_HOST as k3d does), or push from a machine where it is. Check with: ssh ${host} 'command -v docker'`,
    },
  );
}
