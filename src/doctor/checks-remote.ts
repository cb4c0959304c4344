// The dev-server half of the doctor: docker's engine is up (k3d needs it), k3d is found and new enough,
// and which clusters exist. Also plans the forwards `tunnel connect` would open, for the local checks.
import { planForwards } from '../plan/forward-plan.js';
import { isSafeClusterName } from '../remote/k3d-parse.js';
import { compareVersions, k3dDockerApi, runtimeError } from '../remote/k3d-runtime.js';
import { clusterState } from '../remote/k3d-state.js';
import { pasteCommand } from '../remote/program.js';
import type { K3dCluster, K3dInfo } from '../remote/types.js';
import { type CheckDefinition, fail, pass, required, warn } from './outcome.js';
import type { DockerEngine } from './types.js';

function dockerOutcome(engine: DockerEngine, alias: string) {
  switch (engine.kind) {
    case 'up':
      if (!engine.remote) return pass(`Docker Engine ${engine.version} is running`);
      if (engine.remote.unreachable) {
        const { reason, hint } = engine.remote.unreachable;
        return fail(
          `Docker Engine ${engine.version} is running on another host, ${engine.remote.host} ` +
            `(${engine.remote.endpoint}), but ${reason}: the clusters' ports there cannot be forwarded`,
          hint,
        );
      }
      return pass(
        `Docker Engine ${engine.version} is running on another host, ${engine.remote.host} ` +
          `(${engine.remote.endpoint}): the clusters' ports are there, forwarded through ${alias}`,
      );
    case 'down':
      return engine.remote
        ? fail(
            `the docker engine at ${engine.remote.endpoint} (on ${engine.remote.host}, reached from ${alias}) ` +
              `does not answer: ${engine.message}`,
            `k3d's clusters run in that docker. Start docker on ${engine.remote.host} (not ${alias}); then check: ${check(engine, alias)}`,
          )
        : fail(
            `the docker engine on ${alias} is not running: ${engine.message}`,
            `k3d's clusters run in docker. Start it on the dev server, e.g.: ssh ${alias} sudo systemctl start docker ; then check: ${check(engine, alias)}`,
          );
    case 'denied': {
      const where = engine.remote
        ? ` the docker engine on ${engine.remote.host} (${engine.remote.endpoint})`
        : '';
      return fail(
        `your user on ${alias} may not use${where || ' docker'}: ${engine.message}`,
        engine.remote
          ? `Ask for access to the docker engine on ${engine.remote.host}; then check: ${check(engine, alias)}`
          : `Add the user to the docker group on the dev server (sudo usermod -aG docker $USER), then log in again.`,
      );
    }
    case 'no-cli':
      return warn(
        `no docker command on ${alias}, so the engine was not asked directly (k3d talks to it by itself)`,
        `If the cluster check below fails, look at the engine on the dev server: ssh ${alias} systemctl status docker`,
      );
  }
}

/** `docker info` as tunnel runs docker (through the login shell), for the user to paste. */
const check = (engine: { shell?: string }, alias: string) => pasteCommand(alias, engine.shell, 'docker info');

const docker: CheckDefinition = {
  id: 'docker',
  title: 'docker engine',
  needs: ['auth'],
  run: async (facts, ports) => {
    const engine = await ports.dockerEngine(required(facts.devServer, 'the dev server'));
    facts.dockerEngine = engine;
    return dockerOutcome(engine, facts.alias);
  },
};

function whereFound(k3d: K3dInfo): string {
  const where = k3d.path;
  if (k3d.foundVia === 'login shell') {
    // The shell runs it too, so what its profile sets (DOCKER_HOST, DOCKER_CONTEXT) applies.
    return `${where}, found by the login shell ${k3d.shell ?? ''} (not on the plain SSH PATH); run through it`;
  }
  const found =
    k3d.foundVia === 'PATH'
      ? `${where}, on the SSH session's PATH`
      : `${where}, found at a usual install path (on no shell's PATH)`;
  // Wherever it was found, a usable login shell runs it, so the profile's settings apply as in a terminal.
  return k3d.shell
    ? `${found}; run through the login shell ${k3d.shell}, so its profile applies`
    : `${found}; run without a login shell (none usable), so no profile applies`;
}

/** The major version of `v5.9.0`, or undefined when k3d printed something else. */
export function k3dMajor(version: string | undefined): number | undefined {
  const match = /^v?(\d+)\./.exec(version ?? '');
  return match ? Number(match[1]) : undefined;
}

const k3d: CheckDefinition = {
  id: 'k3d',
  title: 'k3d',
  needs: ['auth'],
  run: async (facts, ports) => {
    const info = await ports.findK3d(required(facts.devServer, 'the dev server'));
    facts.k3d = info;
    const k3s = info.k3sVersion ? ` (k3s ${info.k3sVersion})` : '';
    const detail = `k3d ${info.k3dVersion ?? '(version unknown)'}${k3s} at ${whereFound(info)}`;
    const major = k3dMajor(info.k3dVersion);
    if (major === undefined) {
      return warn(
        `${detail}; it did not say its version`,
        `See what it prints: ${pasteCommand(facts.alias, info.shell, 'k3d version')}`,
      );
    }
    if (major < 5) {
      return warn(
        `${detail}; tunnel reads the output of k3d v5`,
        'Upgrade k3d on the dev server: https://k3d.io (curl -s https://raw.githubusercontent.com/k3d-io/k3d/main/install.sh | bash)',
      );
    }
    const refused = refusedByEngine(info, facts.dockerEngine, facts.alias);
    // Told from versions, not from a refused call: a DOCKER_API_VERSION in k3d's environment (the docker CLI
    // endpoint's ClientOpts reads it) may still make it work. A warning, so the clusters row runs the real call:
    // if the engine does refuse k3d, that row fails with the same "too old" message.
    if (refused)
      return warn(
        `${detail}; ${refused.message}`,
        `${refused.hint ?? ''} ${apiOverride(facts.alias, info.shell)}`,
      );
    return pass(detail);
  },
};

const apiOverride = (host: string, shell: string | undefined) =>
  `(If DOCKER_API_VERSION in k3d's environment names an API the engine serves, k3d may work as it is; the clusters check below tries it: ${pasteCommand(host, shell, 'k3d cluster list')})`;

/** An old k3d's docker client that this engine refuses (Docker 29 serves API 1.44 and later only). */
function refusedByEngine(info: K3dInfo, engine: DockerEngine | undefined, host: string) {
  const clientApi = k3dDockerApi(info.k3dVersion);
  if (engine?.kind !== 'up' || !engine.minApi || !clientApi) return undefined;
  if (compareVersions(clientApi, engine.minApi) >= 0) return undefined;
  const failure = { kind: 'api-too-old' as const, clientApi, minApi: engine.minApi };
  const context = { host, k3dVersion: info.k3dVersion, dockerVersion: engine.version, shell: info.shell };
  return runtimeError(failure, context);
}

function clusterLine(cluster: K3dCluster): string {
  const name = isSafeClusterName(cluster.name) ? cluster.name : JSON.stringify(cluster.name);
  const state = clusterState(cluster) === 'degraded' ? 'running, degraded' : clusterState(cluster);
  const servers = `${cluster.serversRunning}/${cluster.serversCount} servers`;
  const api = cluster.api ? `, API port ${cluster.api.hostPort}` : ', no API port';
  const ports = cluster.ports.map((port) => `${port.hostPort}→${port.containerPort}`).join(' ');
  return `${name}: ${state} (${servers})${api}${ports ? `, ports ${ports}` : ''}`;
}

const clusters: CheckDefinition = {
  id: 'clusters',
  title: 'k3d clusters',
  needs: ['k3d', 'docker'],
  run: async (facts, ports) => {
    const { shell } = required(facts.k3d, 'k3d');
    const list = await ports.listClusters(required(facts.devServer, 'the dev server'));
    facts.clusters = list;
    const plan = planForwards(list, { ...facts.plan, lenient: true });
    facts.forwards = plan.forwards;
    const alias = facts.alias;
    if (list.length === 0) {
      return warn(
        `no k3d clusters on ${alias}: tunnel connect has nothing to forward`,
        `Create one on the dev server: ${pasteCommand(alias, shell, 'k3d cluster create my-app -p 8080:30080@server:0')}`,
      );
    }
    const running = list.filter((cluster) => cluster.running).length;
    const missing = plan.skipped.filter((entry) => entry.reason === 'not found on the dev server');
    const lines = [
      `${list.length} cluster${list.length === 1 ? '' : 's'}, ${running} running`,
      ...list.map(clusterLine),
      ...missing.map(
        (entry) => `${JSON.stringify(entry.cluster)} (a saved --cluster): not on the dev server`,
      ),
    ];
    if (running === 0) {
      return warn(
        lines.join('\n'),
        `Start one on the dev server: ${pasteCommand(alias, shell, 'k3d cluster start <name>')}`,
      );
    }
    if (missing.length > 0)
      return warn(lines.join('\n'), `See the saved settings: tunnel config list ${alias}`);
    return pass(lines.join('\n'));
  },
};

export const REMOTE_CHECKS: readonly CheckDefinition[] = [docker, k3d, clusters];
