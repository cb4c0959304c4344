// Is docker's engine up on the dev server? `docker version` answers the server part only when it reached
// the daemon. Run by a login shell, so a docker installed in ~/.local/bin (like k3d often is) is found too.
import { remoteText } from '../redact.js';
import type { ExecResult, SshConnection } from '../ssh/types.js';
import type { DockerEngine } from './types.js';

const MARKER = 'tunnel-docker-engine';

/** A constant script: exit 127 without a docker command, else the engine's version after a marker. */
export const DOCKER_SCRIPT =
  `command -v docker >/dev/null 2>&1 || exit 127; ` +
  `docker version --format '${MARKER} {{.Server.Version}}'`;

/** Pure: the exec result of DOCKER_SCRIPT → what it says about the engine. */
export function parseDockerVersion(result: ExecResult): DockerEngine {
  if (result.code === 127) return { kind: 'no-cli' };
  // Login shells may print banners; the marker line is ours.
  const line = result.stdout
    .split('\n')
    .map((entry) => entry.trim())
    .find((entry) => entry.startsWith(`${MARKER} `));
  const version = line?.slice(MARKER.length + 1).trim();
  if (result.code === 0 && version && version !== '<no value>') return { kind: 'up', version };
  const said = lastLine(result.stderr) || lastLine(result.stdout);
  const message = said ? remoteText(said) : `docker exited with ${result.code}`;
  if (/permission denied/i.test(result.stderr)) return { kind: 'denied', message };
  return { kind: 'down', message };
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\x1b\[[0-9;]*m/g, '').trim())
    .filter((line) => line !== '' && !line.startsWith(MARKER));
  return lines.at(-1) ?? '';
}

export async function dockerEngine(connection: SshConnection): Promise<DockerEngine> {
  const result = await connection.exec(['sh', '-lc', DOCKER_SCRIPT], {
    timeoutMs: 20_000,
    maxOutputBytes: 64 * 1024,
  });
  return parseDockerVersion(result);
}
