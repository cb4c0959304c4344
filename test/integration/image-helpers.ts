// Shared by the `tunnel image push` integration tests: a CLI environment whose local `docker` is the
// stand-in (fake-docker.mjs), the push itself, scenario faults, and what a node's CRI lists, asked on the
// dev server itself (not through tunnel).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type DevServerClient, devServerClient } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import type { ScenarioImageImport } from '../devserver/world.mjs';
import { type CliEnv, cliEnvsPerTest, runCli } from './cli-helpers.js';

const FAKE_DOCKER = fileURLToPath(new URL('./fake-docker.mjs', import.meta.url));
export const MiB = 1024 * 1024;
export const IMAGE = 'docker.io/library/myapp:1.0';
export const NODES = ['k3d-my-app-server-0', 'k3d-my-app-agent-0'];

export interface ImageSuite {
  devserver: DevServer;
  remote: DevServerClient;
  newCli: () => CliEnv;
  /** The helpers below, bound to this file's dev server. */
  cliWithDocker: (env?: Record<string, string>) => CliEnv;
  push: (cli: CliEnv, args: string[]) => ReturnType<typeof runCli>;
  setFaults: (faults: ScenarioImageImport) => Promise<void>;
  nodeHas: (node: string, image?: string) => Promise<boolean>;
  remoteTempFiles: () => Promise<string[]>;
}

/**
 * One dev server per test file (two-clusters.json), reloaded before every test so no image from an
 * earlier test and no fault stays set; the fields are filled in beforeAll.
 */
export function imagePushSuite(): ImageSuite {
  const newCli = cliEnvsPerTest();
  const suite: ImageSuite = {
    newCli,
    cliWithDocker: (env = {}) => cliWithDocker(newCli, env),
    push: (cli, args) => pushWith(suite.devserver)(cli, args),
    setFaults: (faults) => setFaults(suite.devserver, faults),
    nodeHas: (node, image = IMAGE) => nodeHas(suite.remote, node, image),
    remoteTempFiles: () => remoteTempFiles(suite.remote),
  } as ImageSuite;
  beforeAll(async () => {
    suite.devserver = await startDevServer({ scenario: 'two-clusters.json' });
    suite.remote = devServerClient(suite.devserver);
  });
  afterAll(async () => {
    suite.remote?.closeAll();
    await suite.devserver?.stop();
  });
  beforeEach(async () => {
    await suite.devserver.world.load('two-clusters.json');
  });
  return suite;
}

/** A CLI environment whose `docker` is the stand-in; `env` tunes it (see fake-docker.mjs). */
export function cliWithDocker(newCli: () => CliEnv, env: Record<string, string> = {}): CliEnv {
  const cli = newCli();
  const bin = path.join(cli.home, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'docker'),
    `#!/bin/sh\nexec '${process.execPath}' '${FAKE_DOCKER}' "$@"\n`,
    {
      mode: 0o755,
    },
  );
  // /usr/bin has ssh; /usr/local/bin (a real docker CLI without an engine on this machine) stays out.
  Object.assign(cli.env, {
    PATH: `${bin}:/usr/bin:/bin`,
    FAKE_DOCKER_IMAGES: 'myapp:1.0,web',
    FAKE_DOCKER_LAYER_BYTES: String(3 * MiB),
    ...env,
  });
  return cli;
}

export const pushWith = (devserver: DevServer) => (cli: CliEnv, args: string[]) =>
  runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'image', 'push', 'devserver', ...args]);

export async function setFaults(devserver: DevServer, faults: ScenarioImageImport): Promise<void> {
  await devserver.world.update((world) => {
    const cluster = world.clusters.find((candidate) => candidate.name === 'my-app')!;
    cluster.spec.imageImport = faults;
  });
}

export async function nodeHas(remote: DevServerClient, node: string, image = IMAGE): Promise<boolean> {
  const result = await remote.login(`docker exec ${node} crictl images -o json`);
  expect(result.code).toBe(0);
  const tags = (JSON.parse(result.stdout) as { images: { repoTags: string[] }[] }).images.flatMap(
    (entry) => entry.repoTags,
  );
  return tags.includes(image);
}

export async function remoteTempFiles(remote: DevServerClient): Promise<string[]> {
  const result = await remote.ssh("ls -1 /tmp | grep '^tunnel-image-' || true");
  return result.stdout.split('\n').filter(Boolean);
}
