// What `tunnel cluster create` checks before it asks k3d for anything: the name is free, every host port
// (and the API port) is free on the dev server and on this machine — naming who holds a busy one — and,
// when no --api-port was given, which API port to use (free on both ends). With the docker engine on
// another host the ports are published there: the dev server's sockets say nothing about them.
import type { DevServer } from '../devserver/dev-server.js';
import { TunnelError } from '../errors.js';
import { holderText, type LocalPortCheck, localPortCheck } from '../local/port-check.js';
import { type PortOwner, portOwnerHint } from '../local/port-owner.js';
import { conflictingListener, isWildcardAddress, type SocketListener } from '../plan/socket-table.js';
import type { CreateRequest } from '../remote/cluster-request.js';
import { isLoopbackAddress } from '../remote/docker-endpoint.js';
import { listRemoteListeners } from '../remote/host-ports.js';
import { formatPortSpec } from '../remote/port-spec.js';
import type { K3dCluster } from '../remote/types.js';

export interface CheckInput {
  devServer: DevServer;
  request: CreateRequest;
  /** The local address forwards listen on (the host's `bind` setting, default 127.0.0.1). */
  bindAddress: string;
  /** This machine's port check (macOS: wildcard holders count); tests inject one. */
  localPorts?: LocalPortCheck;
}

export interface CheckResult {
  apiPort: number;
  warnings: string[];
}

interface Wanted {
  hostIp: string | undefined;
  port: number;
  /** For messages: `-p "8080:30080@server:0"` or `--api-port 16443`. */
  flag: string;
}

const FIRST_API_PORT = 16443;
const API_PORT_CANDIDATES = 200;

export async function checkBeforeCreate(input: CheckInput): Promise<CheckResult> {
  const { devServer, request } = input;
  const host = devServer.alias;
  const clusters = await devServer.clusters();
  const existing = clusters.find((cluster) => cluster.name === request.name);
  if (existing) {
    throw new TunnelError(
      'BAD_INPUT',
      `A cluster with that name already exists: "${request.name}" on ${host} (${existing.running ? 'running' : 'stopped'}).`,
      { hint: `Pick another name, or delete it first: tunnel cluster delete ${host} ${request.name}` },
    );
  }
  const warnings: string[] = [];
  const remote = await publishingHostListeners(devServer, request, warnings);
  const wanted: Wanted[] = request.ports.map((spec) => ({
    hostIp: spec.hostIp,
    port: spec.hostPort,
    flag: `-p ${formatPortSpec(spec)}`,
  }));
  if (request.apiPort !== undefined) {
    wanted.push({ hostIp: request.apiHost, port: request.apiPort, flag: `--api-port ${request.apiPort}` });
  }
  const local = { check: input.localPorts ?? localPortCheck(), bindAddress: input.bindAddress };
  const problems = [
    ...remoteProblems(host, wanted, remote.listeners, clusters),
    ...(await localProblems(wanted, local)),
  ];
  if (problems.length > 0) throw portsTaken(problems);
  warnings.push(...stoppedClusterWarnings(wanted, clusters));
  const apiPort =
    request.apiPort ?? (await chooseApiPort(request, remote.listeners, clusters, local, wanted));
  return { apiPort, warnings };
}

/**
 * What listens where k3d will publish: the dev server's sockets (ss), or nothing known when the docker engine
 * runs on another host (its ports are published there; k3d says if one is taken). On such an engine an API or
 * a port on loopback is reached by that host alone, never by the tunnel: refused before anything is created.
 */
async function publishingHostListeners(
  devServer: DevServer,
  request: CreateRequest,
  warnings: string[],
): Promise<{ listeners: SocketListener[] }> {
  const host = devServer.alias;
  const engine = await devServer.engine();
  const engineHost = engine.remoteHost;
  if (engineHost === undefined) {
    const remote = await listRemoteListeners(devServer.ssh);
    if (remote.source === undefined) {
      warnings.push(
        `could not read which ports listen on ${host} (no ss, no /proc/net/tcp); k3d will say if one is taken`,
      );
    }
    return remote;
  }
  const loopback = loopbackOnEngineHost(host, engineHost, engine.endpoint, request);
  if (loopback) throw loopback;
  warnings.push(
    `the ports are published on ${engineHost} (the docker engine's host); k3d will say if one is taken`,
  );
  if (engine.unreachable) warnings.push(`the tunnel cannot forward them: ${engine.unreachable.reason}`);
  return { listeners: [] };
}

/**
 * On an engine on another host, a loopback address (`--api-host 127.0.0.1`, `-p 127.0.0.1:8080:80@…`) listens on
 * that host's loopback, which no forward reaches: the one rule for both, before k3d creates anything.
 */
function loopbackOnEngineHost(
  host: string,
  engineHost: string,
  endpoint: string | undefined,
  request: CreateRequest,
): TunnelError | undefined {
  const api = isLoopbackAddress(request.apiHost) ? [`an API on ${request.apiHost}`] : [];
  const ports = request.ports
    .filter((spec) => spec.hostIp !== undefined && isLoopbackAddress(spec.hostIp))
    .map((spec) => `-p ${formatPortSpec(spec)}`);
  if (api.length + ports.length === 0) return undefined;
  const fixes = [
    ...(api.length > 0
      ? [`--api-host 0.0.0.0: tunnel cluster create ${host} ${request.name} --api-host 0.0.0.0`]
      : []),
    ...(ports.length > 0 ? ['drop the address from -p (or write 0.0.0.0)'] : []),
  ];
  return new TunnelError(
    'BAD_INPUT',
    `The docker engine on ${host} runs on another host, ${engineHost} (${endpoint}): ${[...api, ...ports].join(', ')} ` +
      `would listen on ${engineHost}'s loopback, which the tunnel cannot reach.`,
    { hint: `Publish on the engine host's address: ${fixes.join('; ')}. Nothing was created.` },
  );
}

interface Problem {
  message: string;
  hint: string;
}

function remoteProblems(
  host: string,
  wanted: readonly Wanted[],
  listeners: readonly SocketListener[],
  clusters: readonly K3dCluster[],
): Problem[] {
  return wanted.flatMap((entry) => {
    const listener = conflictingListener(listeners, entry.hostIp, entry.port);
    if (!listener) return [];
    const owner = clusters.find((cluster) => cluster.running && publishes(cluster, entry.port));
    const by = owner
      ? `k3d cluster ${JSON.stringify(owner.name)} publishes it`
      : `something listens on ${show(listener)}`;
    return [
      {
        message: `port ${entry.port} (${entry.flag}) is already in use on ${host}: ${by}`,
        hint:
          `See what holds it: ssh ${host} ss -ltnp 'sport = :${entry.port}' — or choose another port ` +
          `(${entry.flag.startsWith('--api-port') ? '--api-port <port>' : '-p <port>:<nodePort>'})`,
      },
    ];
  });
}

function show(listener: SocketListener): string {
  return listener.address.includes(':')
    ? `[${listener.address}]:${listener.port}`
    : `${listener.address}:${listener.port}`;
}

function publishes(cluster: K3dCluster, port: number): boolean {
  return cluster.api?.hostPort === port || cluster.ports.some((mapping) => mapping.hostPort === port);
}

/** This machine's side: the port check and the address forwards will listen on. */
interface LocalSide {
  check: LocalPortCheck;
  bindAddress: string;
}

async function localProblems(wanted: readonly Wanted[], local: LocalSide): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const entry of wanted) {
    if (await local.check.isFree(local.bindAddress, entry.port)) continue;
    const owner = await local.check.owner(local.bindAddress, entry.port);
    problems.push({ message: localMessage(entry, owner), hint: portOwnerHint(owner, entry.port) });
  }
  return problems;
}

function localMessage(entry: Wanted, owner: PortOwner | undefined): string {
  const by = owner ? holderText(owner) : 'another program';
  const command = owner?.commandLine && owner.kind !== 'unknown' ? ` [${owner.commandLine}]` : '';
  return (
    `port ${entry.port} (${entry.flag}) is in use on this machine by ${by}${command}, so the tunnel ` +
    'could not forward it under the same number'
  );
}

function portsTaken(problems: readonly Problem[]): TunnelError {
  const [first] = problems;
  const message =
    problems.length === 1
      ? `Cannot create the cluster: ${first!.message}.`
      : `Cannot create the cluster:\n${problems.map((problem) => `  - ${problem.message}`).join('\n')}`;
  return new TunnelError('PORT', message, { hint: `${first!.hint}. Nothing was created.` });
}

function stoppedClusterWarnings(wanted: readonly Wanted[], clusters: readonly K3dCluster[]): string[] {
  return wanted.flatMap((entry) =>
    clusters
      .filter((cluster) => !cluster.running && publishes(cluster, entry.port))
      .map(
        (cluster) =>
          `port ${entry.port} is also published by the stopped cluster ${JSON.stringify(cluster.name)}: ` +
          'the two cannot run at the same time',
      ),
  );
}

/** The first port from 16443 up that nothing uses on either end (the API listens on request.apiHost). */
async function chooseApiPort(
  request: CreateRequest,
  listeners: readonly SocketListener[],
  clusters: readonly K3dCluster[],
  local: LocalSide,
  wanted: readonly Wanted[],
): Promise<number> {
  const { bindAddress } = local;
  for (let port = FIRST_API_PORT; port < FIRST_API_PORT + API_PORT_CANDIDATES; port++) {
    if (wanted.some((entry) => entry.port === port)) continue;
    if (conflictingListener(listeners, request.apiHost, port)) continue;
    if (clusters.some((cluster) => publishes(cluster, port))) continue;
    if (!(await local.check.isFree(isWildcardAddress(bindAddress) ? '127.0.0.1' : bindAddress, port)))
      continue;
    return port;
  }
  throw new TunnelError(
    'PORT',
    `No free API port between ${FIRST_API_PORT} and ${FIRST_API_PORT + API_PORT_CANDIDATES - 1} on both ends.`,
    { hint: 'Choose one with --api-port <port>.' },
  );
}
