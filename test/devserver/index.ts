// The dev-server simulator for integration tests: a real OpenSSH sshd, k3d/docker stand-ins on the login
// PATH of the simulated user, and a world daemon listening on every published port of every running cluster.
//
// Modes. 'netns' (the normal mode; root, as here and in CI): the dev server is a network namespace reached at
// 10.231.<n>.2:22; its host ports live inside the namespace, so a test's own listeners on 127.0.0.1:8080 never
// collide with the simulated 8080. 'loopback' (no root): sshd on a free 127.0.0.1 port, and the dev server's
// host ports ARE this machine's 127.0.0.1 ports — a local forward to 8080 cannot also bind 8080 here. Tests
// must therefore read the local ports the tool actually chose from its output, never assume them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon } from './daemon-process.js';
import { createNetns, isRoot, type Netns } from './netns.js';
import { addEngineAddress, exportDockerHost, onRemoteEngine } from './remote-engine.js';
import { createSimHome, sessionEnv } from './sim-home.js';
import { generateKey, type SshdHandle, type SshdOptions, startSshd } from './sshd.js';
import {
  daemonPidFile,
  SCENARIO_DIR,
  type Scenario,
  worldFile,
  worldFromScenario,
  writeWorld,
} from './world.mjs';
import { type DevServerWorld, worldApi } from './world-api.js';

export type { DaemonReport, ListenerSpec } from './daemon-process.js';
export type { AddServiceSpec } from './k8s-changes.mjs';
export type { DockerNode, Scenario, ScenarioCluster, World, WorldCluster } from './world.mjs';
export type { DevServerWorld } from './world-api.js';

export interface DevServerOptions {
  /** A file name in test/devserver/scenarios/ (e.g. 'two-clusters.json') or a scenario object. */
  scenario: string | Scenario;
  /** 'auto' (default) = 'netns' when running as root, else 'loopback'. */
  mode?: 'auto' | 'netns' | 'loopback';
  /** Namespace index n (10.231.n.x); default: the lowest free one from 50 up. */
  netnsIndex?: number;
  /** Working directory (kept on stop); default: a fresh temp dir (deleted on stop). */
  dir?: string;
  /** The dev-server user's login shell (root only; see SshdOptions.loginShell). */
  loginShell?: string;
  /** k3d and docker on the plain SSH session's PATH too (as with /usr/bin/docker from a package). */
  toolsOnSessionPath?: boolean;
  /**
   * Changes to the dev server's sshd (a CA, a PAM stack, algorithms…), asked for once its directory exists
   * (`dir`, where host keys may be made before sshd starts) and its address (`host`) is known.
   */
  sshd?: (context: { dir: string; host: string }) => Partial<SshdOptions>;
  /** netns only: the docker engine on another host, 10.231.<n>.3 (remote-engine.ts); see engineAddress. */
  remoteEngine?: boolean;
}

export interface DevServer {
  readonly alias: 'devserver';
  readonly mode: 'netns' | 'loopback';
  readonly dir: string;
  /** ssh config with `Host devserver` (use `ssh -F <sshConfigFile> devserver …`). */
  readonly sshConfigFile: string;
  readonly knownHostsFile: string;
  readonly clientKeyFile: string;
  /** sshd address: 10.231.n.2:22 (netns) or 127.0.0.1:<free> (loopback); also where host ports are reachable. */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly sshd: SshdHandle;
  readonly netns: Netns | undefined;
  readonly simHome: string;
  readonly world: DevServerWorld;
  /** With remoteEngine: the engine's host, where the clusters' ports listen. */
  readonly engineAddress: string | undefined;
  daemonPid(): number | undefined;
  /** Kills sshd and the daemon by pid, deletes the namespace and (if we made it) the directory. */
  stop(): Promise<void>;
}

export function scenarioNames(): string[] {
  return fs.readdirSync(SCENARIO_DIR).filter((name) => name.endsWith('.json'));
}

const claimedIndices = new Set<number>();

/**
 * The lowest n ≥ 50 whose namespace and veth do not exist: left-overs of another run are not ours to delete,
 * and suites that call createNetns() with small fixed indices (which deletes an existing namespace of that
 * name) must not tear down ours.
 */
function freeNetnsIndex(): number {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  for (let index = 50; index < 250; index++) {
    if (claimedIndices.has(index)) continue;
    if (new RegExp(`^tunnel-test-${index}\\b`, 'm').test(namespaces) || links.includes(` tt${index}h`))
      continue;
    return index;
  }
  throw new Error('no free tunnel-test-<n> network namespace index');
}

function sshConfig(server: {
  host: string;
  port: number;
  user: string;
  key: string;
  knownHosts: string;
}): string {
  return [
    'Host devserver',
    `  HostName ${server.host}`,
    `  Port ${server.port}`,
    `  User ${server.user}`,
    `  IdentityFile ${server.key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${server.knownHosts}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
}

/** Loopback addresses tests bind the dev server's ports to (PermitOpen takes no patterns or prefixes). */
const LOOPBACK_ONLY_FORWARDS = 'PermitOpen localhost:* 127.0.0.1:* 127.0.0.2:* 127.0.0.3:* [::1]:*';

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const mode =
    options.mode === undefined || options.mode === 'auto' ? (isRoot() ? 'netns' : 'loopback') : options.mode;
  if (mode === 'netns' && !isRoot()) throw new Error('dev server netns mode needs root');
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-devserver-'));
  fs.mkdirSync(dir, { recursive: true });
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'dev server cleanup failed');
  };
  if (ownsDir) cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const clientKeyFile = path.join(dir, 'client_ed25519');
    const publicKey = generateKey(clientKeyFile, 'ed25519');
    const simHome = path.join(dir, 'home');
    createSimHome(simHome);

    let netns: Netns | undefined;
    if (mode === 'netns') {
      const index = options.netnsIndex ?? freeNetnsIndex();
      claimedIndices.add(index);
      netns = createNetns(index);
      const created = netns;
      cleanups.push(() => {
        created.delete();
        claimedIndices.delete(index);
      });
    }
    if (options.remoteEngine && !netns) throw new Error('a remote docker engine needs netns mode');
    const engineAddress = options.remoteEngine && netns ? addEngineAddress(netns) : undefined;
    if (engineAddress) exportDockerHost(simHome, engineAddress);
    const scenario = engineAddress ? onRemoteEngine(options.scenario, engineAddress) : options.scenario;
    writeWorld(worldFile(simHome), worldFromScenario(scenario));
    // The world daemon first: its ports are fixed by the scenario, and sshd's free port, chosen after,
    // can then never be one of them (in loopback mode both share 127.0.0.1).
    const { handle: daemon } = await startDaemon({
      worldFile: worldFile(simHome),
      pidFile: daemonPidFile(simHome),
      logFile: path.join(dir, 'world-daemon.log'),
      mode,
      ...(netns ? { netns: netns.name } : {}),
    }).then(({ handle, ready }) => {
      cleanups.push(() => handle.stop());
      if (ready.errors.length > 0)
        throw new Error(`world daemon could not listen: ${JSON.stringify(ready.errors)}`);
      return { handle };
    });
    const sshdDir = path.join(dir, 'sshd');
    fs.mkdirSync(sshdDir, { recursive: true, mode: 0o700 });
    const listenAddress = netns?.nsAddress ?? '127.0.0.1';
    const setup = options.sshd?.({ dir: sshdDir, host: listenAddress });
    const sshd = await startSshd({
      dir: sshdDir,
      listenAddress,
      ...(netns ? { port: 22, netns: netns.name } : {}),
      authorizedKeys: [publicKey],
      setEnv: sessionEnv(simHome, { toolsOnPath: options.toolsOnSessionPath === true }),
      ...(options.loginShell ? { loginShell: options.loginShell } : {}),
      ...setup,
      // Loopback mode: the dev server is this machine, whose routes lead to the real network. A forward to a
      // k3d node address (172.x, issue 14's reachability probe) must not leave it: sshd refuses such channel
      // opens ("administratively prohibited"), as a locked-down real server would, without dialling.
      extraConfig: [...(setup?.extraConfig ?? []), ...(netns ? [] : [LOOPBACK_ONLY_FORWARDS])],
    });
    cleanups.push(() => sshd.stop());

    const knownHostsFile = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHostsFile, `${sshd.knownHostsLines().join('\n')}\n`);
    const sshConfigFile = path.join(dir, 'ssh_config');
    const key = clientKeyFile;
    fs.writeFileSync(
      sshConfigFile,
      sshConfig({ host: sshd.host, port: sshd.port, user: sshd.user, key, knownHosts: knownHostsFile }),
    );
    return {
      alias: 'devserver',
      mode,
      dir,
      sshConfigFile,
      knownHostsFile,
      clientKeyFile,
      host: sshd.host,
      port: sshd.port,
      user: sshd.user,
      sshd,
      netns,
      simHome,
      world: worldApi(simHome, () => daemon),
      engineAddress,
      daemonPid: () => daemon.pid(),
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
