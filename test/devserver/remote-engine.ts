// A docker engine on another host, for `startDevServer({ remoteEngine: true })` (netns mode): the engine's
// host is a second address inside the dev server's namespace (10.231.<n>.3 on its loopback, so the dev
// server reaches it and the test host does not need to), docker and k3d dial it through DOCKER_HOST in
// ~/.profile (as on a real server whose user set DOCKER_HOST=tcp://…), and the world daemon publishes the
// clusters' ports there, not on the dev server's own addresses.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Netns } from './netns.js';
import { readScenario, type Scenario } from './world.mjs';

export const ENGINE_PORT = 2375;

/** Adds 10.231.<n>.3 inside the namespace; it goes away with the namespace. */
export function addEngineAddress(netns: Netns): string {
  const address = netns.nsAddress.replace(/\.2$/, '.3');
  execFileSync('ip', ['netns', 'exec', netns.name, 'ip', 'addr', 'add', `${address}/32`, 'dev', 'lo'], {
    stdio: 'pipe',
  });
  return address;
}

/**
 * The scenario as k3d would have created it with DOCKER_HOST=tcp://<address>:2375: with the default API
 * host, kubeAPI.host is DOCKER_HOST's host part (pkg/client/cluster.go "Docker Machine Special
 * Configuration"), so the kubeconfig names it and the serving certificate carries it as a --tls-san.
 */
export function onRemoteEngine(input: string | Scenario, address: string): Scenario {
  const scenario = readScenario(input) as Scenario;
  return {
    ...scenario,
    engineHost: `tcp://${address}:${ENGINE_PORT}`,
    clusters: scenario.clusters.map((cluster) =>
      cluster.apiHost === undefined && (cluster.apiHostIp ?? '0.0.0.0') === '0.0.0.0'
        ? { ...cluster, apiHost: address }
        : cluster,
    ),
  };
}

/** The user's ~/.profile sets DOCKER_HOST, as the docker docs say for a remote engine. */
export function exportDockerHost(simHome: string, address: string): void {
  const line = `export DOCKER_HOST=tcp://${address}:${ENGINE_PORT}\n`;
  fs.appendFileSync(path.join(simHome, '.profile'), line);
}
