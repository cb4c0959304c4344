// The bench world: the dev-server simulator (real sshd; in a netns as root) with one k3d cluster whose mapped
// host ports are served by our blast server instead of the world daemon, and "links" to it: the real
// `tunnel connect` (agent in a temp HOME/TUNNEL_HOME) on the ssh2 transport and, in a second agent, on the
// OpenSSH transport, next to `ssh -N -L` and direct TCP, on the bare link or through a delay relay in front
// of sshd. Everything started here is stopped by pid in close().
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DevServer, type Scenario, startDevServer } from '../../test/devserver/index.js';
import { agentPid, BIN, type CliEnv, runCli } from '../../test/integration/cli-process.js';
import { type Endpoint, freePort, sleep, waitForPort } from './lib.js';
import { connectTunnel, disposeCli, makeCliEnv, openSshSide, type TunnelSide } from './tunnel-cli.js';
import { type DelayRelay, startDelayRelay } from './window-check.js';

const TARGET = fileURLToPath(new URL('./target-server.mjs', import.meta.url));
/** Host ports of the bench cluster; the world daemon never serves these (it is stopped, see startBenchWorld). */
export const FIRST_PORT = 18000;

/**
 * 'tunnel' is the agent on the ssh2 transport; 'tunnel-openssh' a second agent on the OpenSSH transport
 * (`connect --transport openssh`: an `ssh -M` master whose forwards are Unix sockets behind the agent's
 * listeners). 'ssh' is `ssh -N -L` with OpenSSH's default cipher (chacha20-poly1305); 'ssh-gcm' pins
 * aes128-gcm, the cipher ssh2 (so the tunnel) negotiates on a CPU with AES-NI, to compare implementations,
 * not ciphers. Both forward the same blast ports, so every measurement can show OpenSSH at its best.
 */
export type PathName = 'tunnel' | 'tunnel-openssh' | 'ssh' | 'ssh-gcm' | 'direct';
export type Cleanup = () => Promise<unknown> | unknown;

function benchScenario(portCount: number): Scenario {
  const ports = Array.from({ length: portCount }, (_, i) => ({
    hostIp: '',
    hostPort: FIRST_PORT + i,
    containerPort: 30000 + i,
    nodeFilter: 'server:0',
  }));
  return {
    description: 'bench: one cluster whose host ports are served by scripts/bench/target-server.mjs',
    clusters: [{ name: 'bench', servers: 1, agents: 0, running: true, apiPort: 16550, ports, services: [] }],
  } as unknown as Scenario;
}

export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

export interface BenchWorld {
  devserver: DevServer;
  portCount: number;
  /** Where the blast server's port i is reached without any tunnel. */
  direct(index: number): Endpoint;
  close(): Promise<void>;
}

/**
 * The world daemon would listen on every mapped host port itself; the bench cluster exists only for k3d's
 * answers (which come from the world file), so the daemon is stopped by pid and our blast server takes the ports.
 */
export async function startBenchWorld(portCount: number): Promise<BenchWorld> {
  const devserver = await startDevServer({ scenario: benchScenario(portCount) });
  const cleanups: Cleanup[] = [() => devserver.stop()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const daemon = devserver.daemonPid();
    if (daemon !== undefined) process.kill(daemon, 'SIGTERM');
    await sleep(300);
    const ports = Array.from({ length: portCount }, (_, i) => FIRST_PORT + i).join(',');
    const args = [TARGET, '--host', devserver.netns ? '0.0.0.0' : '127.0.0.1', '--ports', ports];
    const target = devserver.netns
      ? spawn('ip', ['netns', 'exec', devserver.netns.name, process.execPath, ...args], { stdio: 'pipe' })
      : spawn(process.execPath, args, { stdio: 'pipe' });
    cleanups.push(() => stopChild(target));
    await new Promise<void>((resolve, reject) => {
      target.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      target.once('exit', (code) => reject(new Error(`target-server exited ${code}`)));
    });
    return { devserver, portCount, direct: (i) => ({ host: devserver.host, port: FIRST_PORT + i }), close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface Link {
  name: string;
  addedRttMs: number;
  cli: CliEnv;
  /** The ssh config `devserver` resolves through (the relay's, when there is one). */
  sshConfigFile: string;
  agentPid: number;
  /** The OpenSSH-transport agent, when openLink was asked for it and this build has the transport. */
  openssh: TunnelSide | undefined;
  /** Why 'tunnel-openssh' has no rows (the CLI's own words), when it was asked for and is not available. */
  opensshUnavailable: string | undefined;
  sshPid: number;
  sshGcmPid: number;
  sshdPid: () => number | undefined;
  /** Endpoints per path for blast port i (ssh -L covers the first sshPorts ports only). */
  endpoint(pathName: PathName, index: number): Endpoint;
  close(): Promise<void>;
}

/** An ssh config for `devserver` that goes through `via` (a relay), with known_hosts re-keyed to it. */
function sshConfigThrough(world: BenchWorld, dir: string, via: Endpoint | undefined): string {
  if (!via) return world.devserver.sshConfigFile;
  const { devserver } = world;
  const knownHosts = path.join(dir, 'known_hosts');
  const keys = devserver.sshd.knownHostsLines().map((line) => line.split(' ').slice(1).join(' '));
  fs.writeFileSync(knownHosts, `${keys.map((key) => `[${via.host}]:${via.port} ${key}`).join('\n')}\n`);
  const config = fs
    .readFileSync(devserver.sshConfigFile, 'utf8')
    .replace(/HostName .*/, `HostName ${via.host}`)
    .replace(/Port .*/, `Port ${via.port}`)
    .replace(/UserKnownHostsFile .*/, `UserKnownHostsFile ${knownHosts}`);
  const file = path.join(dir, 'ssh_config');
  fs.writeFileSync(file, config);
  return file;
}

export function sshForwardArgs(configFile: string, forwards: Array<[number, number]>): string[] {
  return [
    ...['-F', configFile, '-N', '-o', 'ExitOnForwardFailure=yes', '-o', 'BatchMode=yes'],
    ...forwards.flatMap(([local, remote]) => ['-L', `127.0.0.1:${local}:127.0.0.1:${remote}`]),
    'devserver',
  ];
}

/**
 * `tunnel connect` (ssh2; with `openssh`, also a second agent on the OpenSSH transport) + `ssh -N -L`
 * (first sshPorts ports) to the world, through a delay relay if delayMs > 0.
 */
export async function openLink(
  world: BenchWorld,
  options: {
    delayMs: number;
    sshPorts: number;
    openssh?: boolean;
    beforeConnect?: (cli: CliEnv) => Promise<void>;
  },
): Promise<Link> {
  const cli = makeCliEnv();
  const cleanups: Cleanup[] = [() => disposeCli(cli)];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  };
  try {
    const relays: DelayRelay[] = [];
    const relay = async (target: Endpoint) => {
      const started = await startDelayRelay({
        targetHost: target.host,
        targetPort: target.port,
        delayMs: options.delayMs,
      });
      relays.push(started);
      cleanups.push(() => started.close());
      return started;
    };
    const sshRelay =
      options.delayMs > 0
        ? await relay({ host: world.devserver.host, port: world.devserver.port })
        : undefined;
    const configFile = sshConfigThrough(world, cli.home, sshRelay);
    await options.beforeConnect?.(cli);
    const ssh2 = await connectTunnel(cli, { configFile, transport: 'ssh2' });
    const openssh = options.openssh ? await openSshSide(configFile, cleanups) : {};
    if (openssh.unavailable) console.log(`(OpenSSH transport not available: ${openssh.unavailable})\n`);

    const sshLocal = await Promise.all(Array.from({ length: options.sshPorts }, () => freePort()));
    const forwards = sshLocal.map((local, i): [number, number] => [local, FIRST_PORT + i]);
    const ssh = spawn('ssh', sshForwardArgs(configFile, forwards), { stdio: 'ignore' });
    cleanups.push(() => stopChild(ssh));
    const gcmLocal = await Promise.all(sshLocal.map(() => freePort()));
    const gcmForwards = gcmLocal.map((local, i): [number, number] => [local, FIRST_PORT + i]);
    const gcmArgs = ['-c', 'aes128-gcm@openssh.com', ...sshForwardArgs(configFile, gcmForwards)];
    const sshGcm = spawn('ssh', gcmArgs, { stdio: 'ignore' });
    cleanups.push(() => stopChild(sshGcm));
    for (const local of [...sshLocal, ...gcmLocal]) await waitForPort({ host: '127.0.0.1', port: local });

    // Direct TCP at the same added delay goes through its own relays to the blast ports.
    const directRelays =
      options.delayMs > 0
        ? await Promise.all(Array.from({ length: options.sshPorts }, (_, i) => relay(world.direct(i))))
        : [];
    const endpoint = (pathName: PathName, index: number): Endpoint => {
      if (pathName === 'direct') {
        const via = directRelays[index];
        return via ? { host: via.host, port: via.port } : world.direct(index);
      }
      const port =
        pathName === 'tunnel'
          ? ssh2.ports.get(FIRST_PORT + index)
          : pathName === 'tunnel-openssh'
            ? openssh.side?.ports.get(FIRST_PORT + index)
            : pathName === 'ssh-gcm'
              ? gcmLocal[index]
              : sshLocal[index];
      if (port === undefined) throw new Error(`no ${pathName} forward for blast port ${index}`);
      return { host: '127.0.0.1', port };
    };
    return {
      name: options.delayMs > 0 ? `+${2 * options.delayMs} ms RTT` : 'bare',
      addedRttMs: 2 * options.delayMs,
      cli,
      sshConfigFile: configFile,
      agentPid: ssh2.agentPid,
      openssh: openssh.side,
      opensshUnavailable: openssh.unavailable,
      sshPid: ssh.pid ?? -1,
      sshGcmPid: sshGcm.pid ?? -1,
      sshdPid: () => world.devserver.sshd.pid(),
      endpoint,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The paths of `paths` this link can measure ('tunnel-openssh' only when its agent is connected). */
export function pathsOf(link: Link, paths: PathName[]): PathName[] {
  return paths.filter((p) => p !== 'tunnel-openssh' || link.openssh !== undefined);
}

export { disposeAllCli } from './tunnel-cli.js';
export { agentPid, BIN, type CliEnv, disposeCli, makeCliEnv, runCli };
