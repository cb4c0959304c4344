// The simulated dev server's state: which k3d clusters exist, their docker containers, certificates and
// Kubernetes objects, kept as JSON at $HOME/.sim/world.json. The k3d/docker stand-ins read it, the world
// daemon serves it, and the test harness (index.ts) writes it from scenario files.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateClusterCerts } from './certs.mjs';
import { buildNodes, hex, newToken } from './cluster-build.mjs';
import { seedKube } from './k8s-seed.mjs';

export const SCENARIO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios');
export const DEFAULT_VERSIONS = {
  k3d: 'v5.9.0',
  k3s: 'v1.31.5-k3s1',
  docker: '28.5.1',
  dockerApi: '1.51',
  // The oldest API the daemon serves (moby config.MinAPIVersion: 1.24 until Docker 28, 1.44 from Docker 29).
  dockerMinApi: '1.24',
};

// The docker client k3d vendors (go.mod github.com/docker/docker per k3d tag) and its API version: 20.10 →
// 1.41 up to v5.4.8, 23.0 → 1.42, 24.0 → 1.43 (v5.5.2-v5.6.0), 26.0 → 1.45 (v5.6.1), 27.0 → 1.46, 28.5 → 1.51.
// Keep it identical to K3D_DOCKER_API in src/remote/k3d-runtime.ts (both read off k3d's go.mod per tag).
const K3D_DOCKER_API = [
  ['v5.9.0', '1.51'],
  ['v5.7.0', '1.46'],
  ['v5.6.1', '1.45'],
  ['v5.5.2', '1.43'],
  ['v5.4.9', '1.42'],
  ['v0.0.0', '1.41'],
];

/** Compares dotted versions (`v5.6.0`, `1.43`) part by part as numbers. */
export function compareVersions(a, b) {
  const parts = (text) =>
    text
      .replace(/^v/, '')
      .split(/[.-]/)
      .map((part) => Number.parseInt(part, 10) || 0);
  const [left, right] = [parts(a), parts(b)];
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const diff = (left[index] ?? 0) - (right[index] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The Docker API version the docker client inside this k3d release speaks at most. */
export function k3dDockerApi(k3dVersion) {
  return (K3D_DOCKER_API.find(([from]) => compareVersions(k3dVersion, from) >= 0) ??
    K3D_DOCKER_API.at(-1))[1];
}

export function worldFile(simHome) {
  return path.join(simHome, '.sim', 'world.json');
}

export function daemonPidFile(simHome) {
  return path.join(simHome, '.sim', 'daemon.pid');
}

/** Reads a scenario: a file name in scenarios/, a path, or an object. */
export function readScenario(scenario) {
  if (typeof scenario !== 'string') return structuredClone(scenario);
  const file = scenario.includes('/') ? scenario : path.join(SCENARIO_DIR, scenario);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function readWorld(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Atomic replace, so a stand-in reading concurrently never sees half a file. */
export function writeWorld(file, world) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${hex(4)}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(world, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

function validate(spec) {
  if (typeof spec.name !== 'string' || spec.name === '') throw new Error('scenario cluster without a name');
  if (!Number.isInteger(spec.apiPort)) throw new Error(`cluster ${spec.name}: apiPort must be an integer`);
  for (const port of spec.ports ?? []) {
    if (!Number.isInteger(port.hostPort) || !Number.isInteger(port.containerPort)) {
      throw new Error(`cluster ${spec.name}: ports need integer hostPort and containerPort`);
    }
  }
}

// docker's default pools hand out 172.17-31.0.0/16 (172.17 is docker0's), never one in use: the node
// addresses are real inside the dev server's namespace (node-listeners.mjs), so live networks must differ.
function networkPrefix(networkIndex, takenPrefixes) {
  for (let step = 0; step < 14; step++) {
    const prefix = `172.${18 + ((networkIndex + step) % 14)}.0`;
    if (!takenPrefixes.includes(prefix)) return prefix;
  }
  throw new Error('no free docker network pool in 172.18-31.0.0/16');
}

/** A cluster as `k3d cluster create` would leave it, with fresh ids, token, network and certificates. */
export function createCluster(spec, { networkIndex, versions, now = new Date(), takenPrefixes = [] }) {
  validate(spec);
  const running = spec.running ?? true;
  const prefix = networkPrefix(networkIndex, takenPrefixes);
  const network = {
    name: `k3d-${spec.name}`,
    id: hex(32),
    subnet: `${prefix}.0/16`,
    gateway: `${prefix}.1`,
    prefix,
  };
  const token = spec.token ?? newToken();
  const created = new Date(now.getTime() - 60_000);
  const { nodes, lbConfig, apiHost, apiHostIp } = buildNodes(spec, {
    network,
    token,
    versions,
    created,
    running,
  });
  const k3sNodes = nodes.filter((node) => node.role !== 'loadbalancer');
  const certs = generateClusterCerts({
    clusterName: spec.name,
    serverIps: nodes.filter((node) => node.role === 'server').map((node) => node.ip),
    apiHost,
    noLb: spec.noLb ?? false,
  });
  return {
    name: spec.name,
    generation: hex(8),
    createdAt: created.toISOString(),
    running,
    paused: spec.paused ?? false,
    token,
    apiPort: spec.apiPort,
    apiHostIp,
    apiHost,
    noLb: spec.noLb ?? false,
    network,
    nodes,
    lbConfig,
    certs,
    kube: seedKube(spec, {
      dockerNodes: k3sNodes,
      created: created.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      k3sVersion: versions.k3s,
      kernel: os.release(),
    }),
    spec,
  };
}

/**
 * The world after loading a scenario. Every cluster in the scenario is created anew (new certs and ids, like
 * `k3d cluster delete && k3d cluster create`); with `merge`, clusters of the previous world that the scenario
 * does not name are kept, otherwise they are gone.
 */
export function worldFromScenario(scenarioInput, { previous, merge = false, now = new Date() } = {}) {
  const scenario = readScenario(scenarioInput);
  const versions = {
    ...DEFAULT_VERSIONS,
    ...(previous?.versions ?? {}),
    ...(scenario.k3dVersion ? { k3d: scenario.k3dVersion } : {}),
    ...(scenario.k3sVersion ? { k3s: scenario.k3sVersion } : {}),
    ...(scenario.dockerVersion ? { docker: scenario.dockerVersion } : {}),
    ...(scenario.dockerApiVersion ? { dockerApi: scenario.dockerApiVersion } : {}),
    ...(scenario.dockerMinApiVersion ? { dockerMinApi: scenario.dockerMinApiVersion } : {}),
  };
  const engineHost = scenario.engineHost ?? previous?.engine?.host;
  let networkIndex = previous?.networkSeq ?? 2;
  const names = new Set(scenario.clusters.map((cluster) => cluster.name));
  const kept = merge ? (previous?.clusters ?? []).filter((cluster) => !names.has(cluster.name)) : [];
  const created = [];
  for (const spec of scenario.clusters) {
    const takenPrefixes = [...kept, ...created].map((cluster) => cluster.network.prefix);
    created.push(createCluster(spec, { networkIndex: networkIndex++, versions, now, takenPrefixes }));
  }
  return {
    schema: 1,
    versions,
    engine: {
      running: scenario.engineRunning ?? previous?.engine?.running ?? true,
      ...(engineHost ? { host: engineHost } : {}),
    },
    networkSeq: networkIndex,
    clusters: [...kept, ...created],
  };
}

/** Where the docker client dials without DOCKER_HOST (and without a docker context). */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

/**
 * The address docker (and k3d, which builds its client like the docker CLI) dials: DOCKER_HOST, else the
 * endpoint of the docker context DOCKER_CONTEXT (or ~/.docker/config.json's currentContext) names, read from
 * ~/.docker/contexts/meta/<sha256 of the name>/meta.json as the CLI's context store does, else the default.
 */
export function dialedDockerHost(env = process.env) {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const home = env.HOME ?? os.homedir();
  const context = env.DOCKER_CONTEXT || readJson(path.join(home, '.docker', 'config.json'))?.currentContext;
  if (!context || context === 'default') return DEFAULT_DOCKER_HOST;
  const id = crypto.createHash('sha256').update(context).digest('hex');
  const meta = readJson(path.join(home, '.docker', 'contexts', 'meta', id, 'meta.json'));
  // An unknown context: the real CLI stops with "context not found"; nothing answers here either.
  return meta?.Endpoints?.docker?.Host ?? `context "${context}" (not found)`;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The engine as the calling process sees it: down when it dials an address the engine does not listen on,
 * or (`clientApi`: the API version its docker client negotiates down to at most) when the daemon refuses that
 * version (moby daemon/server/middleware/version.go). `error` is what the docker client then reports.
 */
export function engineSeenBy(world, env = process.env, { clientApi } = {}) {
  const listening = world.engine.host ?? DEFAULT_DOCKER_HOST;
  const reached = world.engine.running && dialedDockerHost(env) === listening;
  if (!reached) return { ...world.engine, running: false, error: dockerDownMessage(env) };
  const min = world.versions?.dockerMinApi ?? DEFAULT_VERSIONS.dockerMinApi;
  if (clientApi && compareVersions(clientApi, min) < 0) {
    const error = `Error response from daemon: client version ${clientApi} is too old. Minimum supported API version is ${min}, please upgrade your client to a newer version`;
    return { ...world.engine, running: false, error };
  }
  return { ...world.engine, running: true };
}

/** The docker client's error when nothing answers at the address it dials. */
export function dockerDownMessage(env = process.env) {
  return `Cannot connect to the Docker daemon at ${dialedDockerHost(env)}. Is the docker daemon running?`;
}

/** Tells the world daemon to re-read world.json (after a stand-in changed it). */
export function notifyDaemon(simHome) {
  try {
    const pid = Number(fs.readFileSync(daemonPidFile(simHome), 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGHUP');
  } catch {
    // No daemon running (a test that only exercises the stand-ins): nothing listens, nothing to tell.
  }
}
