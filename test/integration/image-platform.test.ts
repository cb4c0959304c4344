// `tunnel image push` checks the image's platform against the nodes' before uploading (docker image inspect
// here, docker info / podman info there), and works where the dev server has podman but no docker CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { installPodmanOnly } from '../devserver/sim-home.js';
import { cliWithDocker, IMAGE, imagePushSuite, NODES, pushWith, setFaults } from './image-helpers.js';

const suite = imagePushSuite();
const { newCli, nodeHas, remoteTempFiles } = suite;

const push = (env: Record<string, string>) =>
  suite.push(suite.cliWithDocker(env), ['myapp:1.0', '--cluster', 'my-app']);

describe('tunnel image push: platforms', () => {
  it('refuses an arm64 image for amd64 nodes before uploading, with the build command', async () => {
    const before = await remoteTempFiles();
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
    expect(await remoteTempFiles()).toEqual(before);
    for (const node of NODES) expect(await nodeHas(node)).toBe(false);
  });

  it("pushes an image whose platform is the nodes', on amd64 and on arm64 servers", async () => {
    const amd = await push({ FAKE_DOCKER_PLATFORMS: 'linux/amd64' });
    expect(amd.code).toBe(0);
    expect(amd.stdout).toContain('platform: linux/amd64, as the nodes');
    expect(amd.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);

    await suite.devserver.world.load('two-clusters.json');
    await suite.devserver.world.update((world) => {
      world.engine.arch = 'aarch64';
    });
    const arm = await push({ FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8' });
    expect(arm.code).toBe(0);
    expect(arm.stdout).toContain('platform: linux/arm64, as the nodes');
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);
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
    for (const node of NODES) expect(await nodeHas(node)).toBe(true);

    const json = await suite.push(
      suite.cliWithDocker({ FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8,linux/amd64' }),
      ['myapp:1.0', '--cluster', 'my-app', '--json'],
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).platform).toEqual({
      image: 'linux/arm64',
      nodes: 'linux/amd64',
      sent: 'linux/amd64',
      unchecked: null,
    });
  });
  it("refuses when the nodes' platform is only listed in the image's index, never pulled", async () => {
    // `docker pull` on an Apple Silicon Mac fetches arm64 only; the index still lists amd64.
    const before = await remoteTempFiles();
    const result = await push({
      FAKE_DOCKER_PLATFORMS: 'linux/arm64/v8',
      FAKE_DOCKER_LISTED_PLATFORMS: 'linux/amd64',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: myapp:1.0 is built for linux/arm64, but the nodes of "my-app"');
    expect(result.stderr).toContain('hint: Build it for the nodes: docker build --platform linux/amd64');
    expect(result.stderr).toContain('for a pulled image: docker pull --platform linux/amd64 myapp:1.0');
    expect(result.stdout + result.stderr).not.toContain('no suitable export target');
    expect(result.stdout).not.toContain('uploading');
    expect(await remoteTempFiles()).toEqual(before);
  });
});

// This machine may have a real docker CLI (no daemon) in /usr/local/bin, a fresh CI machine has none: the
// dev server hides every docker the find routine could reach, and each case installs the docker it is about.
const DOCKER_HERE = ['/usr/bin/docker', '/usr/local/bin/docker', '/snap/bin/docker'];
// Another store than podman's local one (root's is rootful): a user whose k3d runs on the other socket.
const OTHER_SOCKET =
  process.getuid?.() === 0 ? 'unix:///run/user/1000/podman/podman.sock' : 'unix:///run/podman/podman.sock';

describe('tunnel image push: k3d on Podman', () => {
  let podmanServer: DevServer;
  let podmanRemote: DevServerClient;
  let profile: string;

  beforeAll(async () => {
    podmanServer = await startDevServer({
      scenario: 'two-clusters.json',
      sshd: () => ({ hidden: DOCKER_HERE }),
    });
    installPodmanOnly(podmanServer.simHome);
    podmanRemote = devServerClient(podmanServer);
    profile = fs.readFileSync(path.join(podmanServer.simHome, '.profile'), 'utf8');
  });

  afterAll(async () => {
    podmanRemote?.closeAll();
    await podmanServer?.stop();
  });

  beforeEach(async () => {
    const bin = path.join(podmanServer.simHome, '.local', 'bin');
    fs.rmSync(path.join(bin, 'docker'), { force: true });
    fs.writeFileSync(path.join(podmanServer.simHome, '.profile'), profile);
    await podmanServer.world.load('two-clusters.json');
    await podmanServer.world.update((world) => {
      delete world.engine.host;
    });
  });

  const podmanHas = async (node: string) => {
    const result = await podmanRemote.login(`podman exec ${node} crictl images -o json`);
    expect(result.code).toBe(0);
    return result.stdout.includes(`"${IMAGE}"`);
  };
  const pushThere = (env: Record<string, string> = {}) =>
    pushWith(podmanServer)(cliWithDocker(newCli, env), ['myapp:1.0', '--cluster', 'my-app']);

  it('no docker CLI anywhere: finds podman, checks the platform with podman info, repairs the nodes', async () => {
    const docker = await podmanRemote.login('command -v docker; test -x /usr/local/bin/docker');
    expect(docker.code).not.toBe(0);
    await setFaults(podmanServer, { toolsNodeFails: true });
    const result = await pushThere();
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('platform: linux/amd64, as the nodes');
    expect(result.stdout).toMatch(/✓ k3d-my-app-server-0 +server +repaired/);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
    for (const node of NODES) expect(await podmanHas(node)).toBe(true);
  });

  it('a docker CLI whose daemon is not there: podman is used instead', async () => {
    // The docker CLI without an engine: `context inspect` needs no daemon; everything else cannot connect.
    const script =
      '#!/bin/sh\nif [ "$1" = context ]; then echo unix:///var/run/docker.sock; exit 0; fi\n' +
      'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n';
    fs.writeFileSync(path.join(podmanServer.simHome, '.local', 'bin', 'docker'), script, { mode: 0o755 });
    await setFaults(podmanServer, { toolsNodeFails: true });
    const result = await pushThere();
    // Through docker, every node check would say it cannot connect.
    expect(result.stdout + result.stderr).not.toContain('Cannot connect to the Docker daemon');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('platform: linux/amd64, as the nodes');
    expect(result.stdout).toMatch(/✓ k3d-my-app-agent-0 +agent +repaired/);
    for (const node of NODES) expect(await podmanHas(node)).toBe(true);
  });

  it("k3d's DOCKER_HOST names a socket podman does not use by itself: podman is pointed at it", async () => {
    fs.appendFileSync(path.join(podmanServer.simHome, '.profile'), `export DOCKER_HOST=${OTHER_SOCKET}\n`);
    await podmanServer.world.update((world) => {
      world.engine.host = OTHER_SOCKET;
    });
    const plain = await podmanRemote.login('podman exec k3d-my-app-server-0 true');
    expect(plain.stderr).toContain('no such container');
    const result = await pushThere();
    expect(result.stderr, result.stdout + result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`done: ${IMAGE} is on every node of my-app (2 of 2)`);
  });

  it('refuses an arm64 image there too (podman info says amd64)', async () => {
    const result = await pushThere({ FAKE_DOCKER_PLATFORMS: 'linux/arm64' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('docker build --platform linux/amd64');
  });
});
