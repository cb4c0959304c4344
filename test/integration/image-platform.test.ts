// `tunnel image push` checks the image's platform against the nodes' before uploading (docker image inspect
// here, docker info / podman info there), and works where the dev server has podman but no docker CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { installPodmanOnly } from '../devserver/sim-home.js';
import { cliEnvsPerTest } from './cli-helpers.js';
import {
  cliWithDocker,
  IMAGE,
  NODES,
  nodeHas,
  pushWith,
  remoteTempFiles,
  setFaults,
} from './image-helpers.js';

let devserver: DevServer;
let remote: DevServerClient;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
  remote = devServerClient(devserver);
});

afterAll(async () => {
  remote?.closeAll();
  await devserver?.stop();
});

beforeEach(async () => {
  await devserver.world.load('two-clusters.json');
});

const push = (env: Record<string, string>) =>
  pushWith(devserver)(cliWithDocker(newCli, env), ['myapp:1.0', '--cluster', 'my-app']);

describe('tunnel image push: platforms', () => {
  it('refuses an arm64 image for amd64 nodes before uploading, with the build command', async () => {
    const before = await remoteTempFiles(remote);
    const result = await push({ FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error: myapp:1.0 is built for linux/arm64, but the nodes of "my-app" on devserver run linux/amd64',
    );
    expect(result.stderr).toContain('exec format error');
    expect(result.stderr).toContain(
      'hint: Build it for the nodes: docker build --platform linux/amd64 -t myapp:1.0 .',
    );
    expect(result.stdout).not.toContain('uploading');
    expect(await remoteTempFiles(remote)).toEqual(before);
    for (const node of NODES) expect(await nodeHas(remote, node)).toBe(false);
  });

  it("pushes an image whose platform is the nodes', on amd64 and on arm64 servers", async () => {
    const amd = await push({ FAKE_DOCKER_PLATFORMS: 'linux/amd64' });
    expect(amd.code).toBe(0);
    expect(amd.stdout).toContain('platform: linux/amd64, as the nodes');
    expect(amd.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);

    await devserver.world.load('two-clusters.json');
    await devserver.world.update((world) => {
      world.engine.arch = 'aarch64';
    });
    const arm = await push({ FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8' });
    expect(arm.code).toBe(0);
    expect(arm.stdout).toContain('platform: linux/arm64, as the nodes');
    for (const node of NODES) expect(await nodeHas(remote, node)).toBe(true);
  });

  it("a multi-platform image holding the nodes' platform: only that one is saved and sent", async () => {
    const saved = path.join(newCli().home, 'save-platform');
    const result = await push({
      FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8,linux/amd64',
      FAKE_DOCKER_SAVE_PLATFORM_FILE: saved,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'the image holds it among others (linux/arm64 first), so only linux/amd64 is sent',
    );
    expect(fs.readFileSync(saved, 'utf8')).toBe('linux/amd64');
    for (const node of NODES) expect(await nodeHas(remote, node)).toBe(true);
  });
  it("refuses when the nodes' platform is only listed in the image's index, never pulled", async () => {
    // `docker pull` on an Apple Silicon Mac fetches arm64 only; the index still lists amd64.
    const before = await remoteTempFiles(remote);
    const result = await push({
      FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8',
      FAKE_DOCKER_LISTED_PLATFORMS: 'linux/amd64',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: myapp:1.0 is built for linux/arm64, but the nodes of "my-app"');
    expect(result.stderr).toContain('hint: Build it for the nodes: docker build --platform linux/amd64');
    expect(result.stdout + result.stderr).not.toContain('no suitable export target');
    expect(result.stdout).not.toContain('uploading');
    expect(await remoteTempFiles(remote)).toEqual(before);
  });
});

describe('tunnel image push: Podman without a docker CLI on the dev server', () => {
  let podmanServer: DevServer;
  let podmanRemote: DevServerClient;

  beforeAll(async () => {
    podmanServer = await startDevServer({ scenario: 'two-clusters.json' });
    installPodmanOnly(podmanServer.simHome);
    podmanRemote = devServerClient(podmanServer);
  });

  afterAll(async () => {
    podmanRemote?.closeAll();
    await podmanServer?.stop();
  });

  const podmanHas = async (node: string) => {
    const result = await podmanRemote.login(`podman exec ${node} crictl images -o json`);
    expect(result.code).toBe(0);
    return result.stdout.includes(`"${IMAGE}"`);
  };

  it('finds podman, checks the platform with podman info, and repairs what the failed tools node left', async () => {
    // This machine may have a docker CLI in /usr/local/bin (no daemon): the login shell finds it, as on
    // a server with a leftover docker CLI; tunnel must still pick podman.
    const found = await podmanRemote.login('command -v podman');
    expect(found.code, found.stderr).toBe(0);
    await setFaults(podmanServer, { toolsNodeFails: true });
    const result = await pushWith(podmanServer)(cliWithDocker(newCli), ['myapp:1.0', '--cluster', 'my-app']);
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('platform: linux/amd64, as the nodes');
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server +repaired/);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    for (const node of NODES) expect(await podmanHas(node)).toBe(true);
  });

  it('refuses an arm64 image there too (podman info says amd64)', async () => {
    await podmanServer.world.load('two-clusters.json');
    const result = await pushWith(podmanServer)(
      cliWithDocker(newCli, { FAKE_DOCKER_PLATFORMS: 'linux/arm64' }),
      ['myapp:1.0', '--cluster', 'my-app'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('docker build --platform linux/amd64');
  });
});
