// When k3d cannot use the docker engine: the engine is down (or not where k3d dials), or it refuses the API
// version of the docker client k3d vendors. k3d wraps the docker client's error in its own chain ("failed to
// list containers: …"), and some commands then say something else entirely: `k3d kubeconfig get` logs the
// runtime error as ERRO and ends with "No nodes found for given cluster", `k3d cluster delete` says there is
// nothing to delete. Whatever k3d concluded, the runtime's error is the cause. Pure; no I/O.
import { TunnelError } from '../errors.js';
import { remoteText } from '../redact.js';
import { parseDockerEndpoint } from './docker-endpoint.js';
import { stripAnsi } from './k3d-log.js';
import { pasteCommand } from './program.js';

export type RuntimeFailure =
  /** The docker client could not reach an engine; `address` is where it dialed, when it said. */
  | { kind: 'docker-down'; address: string | undefined }
  /** The engine's socket refused this user (not in the docker group); `address` is the socket. */
  | { kind: 'denied'; address: string | undefined }
  /** moby's version middleware refused the client's API version (Docker 29 needs 1.44; k3d <= v5.6.0 speaks 1.43). */
  | { kind: 'api-too-old'; clientApi: string; minApi: string };

// The docker client up to docker 28 (client/errors.go): "Cannot connect to the Docker daemon at
// unix:///var/run/docker.sock. Is the docker daemon running?"; the moby client docker 29 vendors
// (client/request.go): "failed to connect to the docker API at <address>; check if the path is correct and if
// the daemon is running". k3d releases vendor either.
const DOWN = [
  /cannot connect to the docker daemon(?: at (\S+?))?\.? is the docker daemon running/i,
  /failed to connect to the docker API at ([^\s;]+);? check if the path is correct and if the daemon is running/i,
];
// Both clients: "permission denied while trying to connect to the Docker daemon socket at unix:///…: Get …"
// (docker 29: "… to the docker API at unix:///…").
const DENIED =
  /permission denied while trying to connect to the docker (?:daemon socket|API) at ([^\s:]+:\/\/[^\s:;]*)/i;
// moby daemon/server/middleware/version.go versionUnsupportedError.
const TOO_OLD = /client version (\d+\.\d+) is too old\. Minimum supported API version is (\d+\.\d+)/i;

/** The runtime's failure in what k3d printed (stdout and stderr), if that is why it failed. */
export function runtimeFailure(text: string): RuntimeFailure | undefined {
  const plain = stripAnsi(text);
  const old = TOO_OLD.exec(plain);
  if (old) return { kind: 'api-too-old', clientApi: old[1] ?? '', minApi: old[2] ?? '' };
  const denied = DENIED.exec(plain);
  if (denied) return { kind: 'denied', address: shownAddress(denied[1]) };
  for (const pattern of DOWN) {
    const down = pattern.exec(plain);
    if (down) return { kind: 'docker-down', address: shownAddress(down[1]) };
  }
  return undefined;
}

const shownAddress = (address: string | undefined) =>
  address === undefined ? undefined : remoteText(address, 200);

// The API version of the docker client each k3d release vendors (go.mod github.com/docker/docker per tag):
// 20.10 up to v5.4.8, 23.0 from v5.4.9, 24.0 from v5.5.2, 26.0 from v5.6.1, 27.0 from v5.7.0, 28.5 in v5.9.0.
// Newest first. The simulator keeps the same table (test/devserver/world.mjs).
const K3D_DOCKER_API: readonly (readonly [string, string])[] = [
  ['5.9.0', '1.51'],
  ['5.7.0', '1.46'],
  ['5.6.1', '1.45'],
  ['5.5.2', '1.43'],
  ['5.4.9', '1.42'],
  ['5.0.0', '1.41'],
];

/** The first k3d release whose docker client speaks `minApi` or later (`v5.6.1` for Docker 29's 1.44). */
export function k3dReleaseFor(minApi: string): string | undefined {
  const release = [...K3D_DOCKER_API].reverse().find(([, api]) => compareVersions(api, minApi) >= 0);
  return release && `v${release[0]}`;
}

/**
 * Compares dotted versions (`v5.6.0`, `1.43`) part by part as numbers; a pre-release or build suffix
 * (`-rc.0`, `+dirty`) counts as its release.
 */
export function compareVersions(a: string, b: string): number {
  const parts = (text: string) => (text.replace(/^v/, '').split(/[-+]/)[0] ?? '').split('.').map(Number);
  const [left, right] = [parts(a), parts(b)];
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const diff = (left[index] || 0) - (right[index] || 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The Docker API version k3d `version` speaks at most; undefined for what is not a k3d v5 version. */
export function k3dDockerApi(version: string | undefined): string | undefined {
  if (!/^v?5\.\d+\.\d+/.test(version ?? '')) return undefined;
  return K3D_DOCKER_API.find(([from]) => compareVersions(version ?? '', from) >= 0)?.[1];
}
const INSTALL = 'curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | bash';

export interface RuntimeContext {
  host: string;
  /** As `k3d version` said it (undefined: it did not). */
  k3dVersion: string | undefined;
  /** What tunnel was doing, e.g. `Cannot delete cluster "x" on devbox`; default: k3d on <host> failed. */
  what?: string;
  /** The engine's version, when known (doctor asked docker). */
  dockerVersion?: string;
  /** The login shell k3d runs through, so the pasted checks run as tunnel does (K3dInfo.shell). */
  shell?: string;
}

/** The error for what k3d printed when the runtime is why it failed (the one classifier of k3d's calls). */
export function runtimeCause(text: string, context: RuntimeContext): TunnelError | undefined {
  const failure = runtimeFailure(text);
  return failure && runtimeError(failure, context);
}

/** The error to show for a runtime failure: docker down is not "no such cluster", an old k3d is named. */
export function runtimeError(failure: RuntimeFailure, context: RuntimeContext): TunnelError {
  const { host } = context;
  // `what` names the host already ("Cannot delete cluster "x" on devbox"): say it once.
  const [lead, there] = context.what ? [`${context.what}: `, ''] : ['', ` on ${host}`];
  if (failure.kind === 'api-too-old') {
    const k3d = context.k3dVersion ? `k3d ${remoteText(context.k3dVersion, 40)}` : 'k3d';
    const docker = context.dockerVersion
      ? `Docker ${remoteText(context.dockerVersion, 40)}`
      : 'this docker engine';
    const release = k3dReleaseFor(failure.minApi);
    return new TunnelError(
      'REMOTE_COMMAND',
      `${lead}${k3d}${there} is too old for ${docker} (it speaks Docker API ${failure.clientApi}; ` +
        `the engine needs ${failure.minApi} or later${failure.minApi === '1.44' ? ', as Docker 29 does' : ''}).`,
      {
        hint: `Upgrade k3d on the dev server to ${release ? `${release} or later` : 'its latest release'}: ssh ${host} '${INSTALL}'`,
      },
    );
  }
  const at = failure.address ? ` at ${failure.address}` : '';
  const check = pasteCommand(host, context.shell, 'docker info');
  if (failure.kind === 'denied') {
    return new TunnelError(
      'REMOTE_COMMAND',
      `${lead}k3d${there} was refused by the docker engine${at}: your user may not use docker there.`,
      {
        hint: `Add the user to the docker group (ssh ${host} 'sudo usermod -aG docker $USER'), log in again, and check: ${check}`,
      },
    );
  }
  const engineHost = otherHost(failure.address);
  const start = engineHost
    ? `Start docker on ${engineHost} (the engine k3d dials; not ${host}), then check: ${check}. `
    : `Start it on the dev server (e.g. ssh ${host} sudo systemctl start docker) and check: ${check}. `;
  return new TunnelError(
    'REMOTE_COMMAND',
    `${lead}k3d${there} could not reach the docker engine${at}: docker is not running there, or runs elsewhere.`,
    {
      hint:
        start +
        'If your docker is elsewhere (rootless docker, a context), set DOCKER_HOST or DOCKER_CONTEXT in ~/.profile ' +
        'there: tunnel runs k3d through your login shell.',
    },
  );
}

/** The host of an engine address on another machine (tcp://build:2375); undefined for this dev server's own. */
const otherHost = (address: string | undefined) =>
  address === undefined ? undefined : parseDockerEndpoint(address).remoteHost;
