// Is docker's engine up on the dev server? `docker version` answers the server part only when it reached
// the daemon. The docker CLI is the dev server's (found like k3d and run in the environment it was found
// in), so a DOCKER_HOST or DOCKER_CONTEXT that the user's profile sets is the engine asked.
import type { DevServer } from '../devserver/dev-server.js';
import { isTunnelError } from '../errors.js';
import { lastLine, remoteText, stderrLines } from '../redact.js';
import type { RemoteProgram } from '../remote/program.js';
import type { ExecResult } from '../ssh/types.js';
import type { DockerEngine } from './types.js';

const MARKER = 'tunnel-docker-engine';

/** `docker version` printing the engine's version after a marker (nothing else on that line is ours). */
export const DOCKER_VERSION_ARGS: readonly string[] = [
  'version',
  '--format',
  `${MARKER} {{.Server.Version}}`,
];

/**
 * The oldest client API the engine serves (Docker 29 refuses clients older than 1.44, such as old k3d's),
 * asked apart: Podman's `docker` shim has no MinAPIVersion field and fails the whole template on it.
 */
export const DOCKER_MIN_API_ARGS: readonly string[] = [
  'version',
  '--format',
  `${MARKER} {{.Server.MinAPIVersion}}`,
];

/** Pure: the exec result of `docker version` (DOCKER_VERSION_ARGS) → what it says about the engine. */
export function parseDockerVersion(result: ExecResult): DockerEngine {
  if (result.code === 127) return { kind: 'no-cli' };
  const line = result.stdout
    .split('\n')
    .map((entry) => entry.trim())
    .find((entry) => entry.startsWith(`${MARKER} `));
  const version = line?.slice(MARKER.length + 1).trim();
  if (result.code === 0 && version && version !== '<no value>') return { kind: 'up', version };
  const said = lastLine(withoutOurs(result.stderr)) || lastLine(withoutOurs(result.stdout));
  const message = said ? remoteText(said) : `docker exited with ${result.code}`;
  if (/permission denied/i.test(result.stderr)) return { kind: 'denied', message };
  return { kind: 'down', message };
}

/** Pure: the exec result of DOCKER_MIN_API_ARGS → the API version (`1.44`), or undefined if it did not say. */
export function parseMinApi(result: ExecResult): string | undefined {
  if (result.code !== 0) return undefined;
  const line = result.stdout.split('\n').find((entry) => entry.trim().startsWith(`${MARKER} `));
  const minApi = line?.trim().slice(MARKER.length + 1);
  return minApi && /^\d+\.\d+$/.test(minApi) ? minApi : undefined;
}

/** The text without colour codes and without our marker's line (what docker itself said). */
function withoutOurs(text: string): string {
  return stderrLines(text.replace(/\x1b\[[0-9;]*m/g, ''))
    .filter((line) => !line.trim().startsWith(MARKER))
    .join('\n');
}

export async function dockerEngine(devServer: DevServer): Promise<DockerEngine> {
  let docker: RemoteProgram;
  try {
    docker = await devServer.docker();
  } catch (error) {
    if (isTunnelError(error) && error.code === 'DOCKER_MISSING') return { kind: 'no-cli' };
    throw error;
  }
  // Where the engine is (it does not need the engine up), and whether the SSH server can dial its host.
  const { remoteHost, endpoint, unreachable } = await devServer.engine();
  const result = await devServer.run(docker, DOCKER_VERSION_ARGS, {
    timeoutMs: 20_000,
    maxOutputBytes: 64 * 1024,
  });
  const parsed = parseDockerVersion(result);
  const remote = remoteHost ? { host: remoteHost, endpoint: endpoint ?? remoteHost } : undefined;
  const shell = docker.shell === undefined ? {} : { shell: docker.shell };
  // Down or denied keeps where the engine is: it is that host's docker that does not answer.
  if (parsed.kind !== 'up') return { ...parsed, ...shell, ...(remote ? { remote } : {}) };
  const minApi = await askMinApi(devServer, docker);
  const engine = minApi ? { ...parsed, minApi } : parsed;
  if (!remote) return engine;
  return { ...engine, remote: { ...remote, ...(unreachable ? { unreachable } : {}) } };
}

// Only informs doctor's k3d check: an engine that cannot say it (Podman) is still up.
async function askMinApi(devServer: DevServer, docker: RemoteProgram): Promise<string | undefined> {
  try {
    const limits = { timeoutMs: 20_000, maxOutputBytes: 64 * 1024 };
    return parseMinApi(await devServer.run(docker, DOCKER_MIN_API_ARGS, limits));
  } catch {
    return undefined;
  }
}
