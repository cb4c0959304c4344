// k3d's runtime as real dev servers have it (issue 13 items 2, 3, 5): LOG_LEVEL=debug in ~/.profile (k3d
// prints its debug lines, coloured, on stdout before the JSON), an HA cluster with a server stopped (its
// serverlb still serves the API), docker down (k3d's kubeconfig get then says "No nodes found"), and k3d
// v5.6.0 against Docker 29 (the daemon refuses its API 1.43). Real sshd, ssh, kubectl and curl; k3d and
// docker are the simulator's. The Docker-29 scenario puts the default versions back after it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDevServer } from '../../src/devserver/dev-server.js';
import { getKubeconfig, runK3d } from '../../src/remote/k3d.js';
import { parseClusterList } from '../../src/remote/k3d-parse.js';
import { runProgram } from '../../src/remote/program.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { DEFAULT_VERSIONS } from '../devserver/world.mjs';
import { cliEnvsPerTest, curl, kubectlGetPods, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

const open = () =>
  openDevServer(
    { alias: 'devserver', sshConfigFile: devserver.sshConfigFile, acceptNewHostKey: false },
    {},
    () => {},
  );

/** Runs `tunnel <command> devserver <flags>` against the simulated dev server. */
const tunnel = (cli: ReturnType<typeof newCli>, command: string, ...flags: string[]) =>
  runCli(cli, ['--ssh-config', devserver.sshConfigFile, command, 'devserver', ...flags]);

/** Runs `tunnel connect devserver --json` and returns the session's forwards. */
async function connect(cli: ReturnType<typeof newCli>) {
  const result = await tunnel(cli, 'connect', '--json');
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
  const status = JSON.parse(result.stdout).status as {
    clusters: { name: string; forwards: { kind: string; localPort: number; remotePort: number }[] }[];
  };
  return status.clusters;
}

/** The "ha" cluster as `tunnel clusters devserver --json` lists it. */
async function listedHa(cli: ReturnType<typeof newCli>) {
  const listed = await tunnel(cli, 'clusters', '--json');
  return JSON.parse(listed.stdout).clusters.find((cluster: { name: string }) => cluster.name === 'ha');
}

async function kubectl(cli: ReturnType<typeof newCli>, context: string) {
  return await kubectlGetPods(cli, context, '-A');
}

describe('LOG_LEVEL=debug in the login profile', () => {
  const profile = () => path.join(devserver.simHome, '.profile');
  let before = '';
  beforeAll(() => {
    before = fs.readFileSync(profile(), 'utf8');
    fs.writeFileSync(profile(), `${before}export LOG_LEVEL=debug\n`);
  });
  afterAll(() => fs.writeFileSync(profile(), before));

  it('k3d prints its debug lines (Runtime Info over two lines) on stdout before the JSON; tunnel pins info and tolerates them', async () => {
    const dev = await open();
    try {
      const k3d = await dev.k3d();
      // Run without the pin, as a user's terminal would: the debug lines come first, coloured, on stdout.
      const raw = await runProgram(dev.ssh, k3d, ['cluster', 'list', '-o', 'json']);
      expect(raw.code).toBe(0);
      expect(raw.stdout).toMatch(/^\u001b\[37mDEBU\u001b\[0m\[0000\] DOCKER_SOCK=\/var\/run\/docker\.sock/);
      expect(raw.stdout).toContain(
        'Runtime Info:\n&{Name:docker Endpoint:/var/run/docker.sock Version:28.5.1',
      );
      expect(parseClusterList(raw.stdout).map((cluster) => cluster.name)).toEqual(['my-app', 'other']);
      // Through tunnel's own calls (env LOG_LEVEL=info): the JSON and the kubeconfig come clean.
      const pinned = await runK3d(dev.ssh, k3d, ['cluster', 'list', '-o', 'json']);
      expect(pinned.stdout).not.toContain('DEBU');
      expect(pinned.stdout).toMatch(/^\[/);
      expect((await dev.clusters()).map((cluster) => cluster.name)).toEqual(['my-app', 'other']);
      const kubeconfig = await getKubeconfig(dev.ssh, k3d, 'my-app');
      expect(kubeconfig).toMatch(/^apiVersion: v1\n/);
    } finally {
      dev.close();
    }
  });

  it('tunnel clusters and connect work, and kubectl reaches the cluster', async () => {
    const cli = newCli();
    const listed = await tunnel(cli, 'clusters', '--json');
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout).clusters.map((cluster: { name: string }) => cluster.name)).toEqual([
      'my-app',
      'other',
    ]);
    await connect(cli);
    const pods = await kubectl(cli, 'k3d-my-app@devserver');
    expect(pods.stderr).toBe('');
    expect(pods.stdout).toMatch(/^NAMESPACE\s+NAME/);
  });
});

describe('an HA cluster with one server stopped', () => {
  it('is running (degraded): connect forwards its API and ports through the load balancer; kubectl and curl work', async () => {
    await devserver.world.load('ha-server-down.json');
    const cli = newCli();
    const ha = await listedHa(cli);
    expect(ha).toMatchObject({ running: true, serversRunning: 2, serversCount: 3 });
    expect(ha.warnings).toContain(
      'degraded: 2 of 3 servers are running; the load balancer serves the API from the servers still up',
    );
    const clusters = await connect(cli);
    const forwards = clusters.find((cluster) => cluster.name === 'ha')?.forwards ?? [];
    expect(forwards.map((forward) => forward.remotePort).sort((a, b) => a - b)).toEqual([8090, 16450]);
    const web = forwards.find((forward) => forward.remotePort === 8090);
    expect((await curl(`http://127.0.0.1:${web?.localPort}/`)).stdout).toContain(
      'hello from ha via nodePort 30090',
    );
    const pods = await kubectl(cli, 'k3d-ha@devserver');
    expect(pods.stderr).toBe('');
    expect(pods.code).toBe(0);
    const table = await tunnel(cli, 'clusters');
    expect(table.stdout).toMatch(/^ha\s+degraded\s+2\/3\s/m);
  });

  it('with 2 of 3 servers down (no etcd quorum) is stopped: its API cannot answer, connect forwards nothing of it', async () => {
    await devserver.world.load('ha-no-quorum.json');
    const cli = newCli();
    const table = await tunnel(cli, 'clusters');
    expect(table.stdout).toMatch(/^ha\s+stopped\s+1\/3\s/m);
    const ha = await listedHa(cli);
    expect(ha.warnings).toContain('stopped: 1 of 3 servers are running; its etcd needs 2 to serve the API');
    // What the server left answers through the serverlb (the simulator's k3s without quorum).
    const dev = await open();
    const kubeconfig = path.join(devserver.simHome, 'ha-kubeconfig.yaml');
    try {
      fs.writeFileSync(kubeconfig, await getKubeconfig(dev.ssh, await dev.k3d(), 'ha'), { mode: 0o600 });
      const api = await dev.ssh.exec([
        'sh',
        '-c',
        'kubectl --kubeconfig "$HOME/ha-kubeconfig.yaml" get pods',
      ]);
      expect(api.code).not.toBe(0);
      expect(api.stderr).toContain('Error from server (InternalError)');
    } finally {
      fs.rmSync(kubeconfig, { force: true });
      dev.close();
    }
    const clusters = await connect(cli);
    expect(clusters.find((cluster) => cluster.name === 'ha')?.forwards ?? []).toEqual([]);
    expect(clusters.find((cluster) => cluster.name === 'other')?.forwards.length).toBeGreaterThan(0);
  });
});

describe('docker down', () => {
  it('k3d kubeconfig get says "No nodes found" after its ERRO; tunnel says the engine is not reachable, not "no such cluster"', async () => {
    await devserver.world.load('two-clusters.json');
    await devserver.world.setEngineRunning(false);
    const dev = await open();
    try {
      const k3d = await dev.k3d();
      const raw = await runProgram(dev.ssh, k3d, ['kubeconfig', 'get', 'my-app']);
      expect(raw.code).toBe(1);
      expect(raw.stderr).toMatch(
        /ERRO.*Failed to get nodes for cluster 'my-app'.*Cannot connect to the Docker daemon/,
      );
      expect(raw.stderr).toMatch(/FATA.*No nodes found for given cluster/);
      const error = await getKubeconfig(dev.ssh, k3d, 'my-app').catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'REMOTE_COMMAND',
        message:
          'k3d on devserver could not reach the docker engine at unix:///var/run/docker.sock: docker is not running there, or runs elsewhere.',
      });
      await expect(dev.clusters()).rejects.toMatchObject({
        message: expect.stringContaining('could not reach the docker engine at unix:///var/run/docker.sock'),
      });
    } finally {
      dev.close();
      await devserver.world.setEngineRunning(true);
    }
  });
});

describe('k3d v5.6.0 against Docker 29', () => {
  // Loading a scenario keeps the previous world's versions: put the default ones back for what runs after.
  afterAll(async () => {
    await devserver.world.update((world) => {
      world.versions = { ...DEFAULT_VERSIONS };
    });
  });

  it('every k3d call fails with the daemon\'s "client version 1.43 is too old"; tunnel names k3d\'s version and the fix, doctor up front', async () => {
    await devserver.world.load('docker29-old-k3d.json');
    const dev = await open();
    try {
      const k3d = await dev.k3d();
      expect(k3d.k3dVersion).toBe('v5.6.0');
      const raw = await runProgram(dev.ssh, k3d, ['cluster', 'list']);
      expect(raw.code).toBe(1);
      expect(raw.stderr).toContain(
        'Error response from daemon: client version 1.43 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version',
      );
      await expect(dev.clusters()).rejects.toMatchObject({
        message:
          'k3d v5.6.0 on devserver is too old for this docker engine (it speaks Docker API 1.43; the engine needs 1.44 or later, as Docker 29 does).',
        hint: expect.stringContaining('Upgrade k3d on the dev server to v5.6.1 or later'),
      });
      // The docker CLI (Docker 29's own) still talks to it.
      const version = await dev.run(await dev.docker(), ['version', '--format', '{{.Server.MinAPIVersion}}']);
      expect(version.stdout).toBe('1.44\n');
    } finally {
      dev.close();
    }
    const cli = newCli();
    const doctor = await tunnel(cli, 'doctor', '--json');
    const checks = JSON.parse(doctor.stdout).checks as {
      id: string;
      status: string;
      detail: string;
      hint: string;
    }[];
    expect(checks.find((check) => check.id === 'docker')).toMatchObject({
      status: 'pass',
      detail: 'Docker Engine 29.0.1 is running',
    });
    // From versions alone a warning; the clusters row runs the real call, which the engine refuses.
    expect(checks.find((check) => check.id === 'k3d')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('k3d v5.6.0 on devserver is too old for Docker 29.0.1 (it speaks'),
      hint: expect.stringContaining('v5.6.1 or later'),
    });
    expect(checks.find((check) => check.id === 'clusters')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('k3d v5.6.0 on devserver is too old for this docker engine'),
      hint: expect.stringContaining('v5.6.1 or later'),
    });
  });
});
