// `tunnel cluster create|delete` end to end: the real CLI and agent, real OpenSSH sshd, the simulated k3d
// (create/delete print and fail as k3d v5.9 does), real curl and kubectl through the new cluster's forwards.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { devServerClient, freePort } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { type CliEnv, cliEnvsPerTest, curl, kubectlGetPods, runCli } from './cli-helpers.js';

interface ForwardJson {
  kind: 'api' | 'service';
  localPort: number;
  remotePort: number;
  nodePort: number | null;
}

let devserver: DevServer;
const newCli = cliEnvsPerTest();
const isRoot = process.getuid?.() === 0;
const holders: (ChildProcess | net.Server)[] = [];

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterEach(async () => {
  for (const holder of holders.splice(0)) {
    if (holder instanceof net.Server) await new Promise((resolve) => holder.close(resolve));
    else if (holder.exitCode === null && holder.pid) process.kill(holder.pid, 'SIGTERM');
  }
});

afterAll(async () => {
  await devserver?.stop();
});

const tunnel = (cli: CliEnv, args: string[]) =>
  runCli(cli, ['--ssh-config', devserver.sshConfigFile, ...args], 90_000);
const clusterNames = () =>
  devserver.world
    .state()
    .clusters.map((cluster) => cluster.name)
    .sort();

/** A port free on this machine and not published by any simulated cluster. */
async function unusedPort(): Promise<number> {
  const published = new Set(
    devserver.world.state().clusters.flatMap((cluster) =>
      cluster.nodes.flatMap((node) =>
        Object.values(node.portBindings)
          .flat()
          .map((b) => Number(b.HostPort)),
      ),
    ),
  );
  for (;;) {
    const port = await freePort();
    if (!published.has(port)) return port;
  }
}

/** Something else listening on `port` on the dev server (inside its namespace, or this machine's loopback). */
async function holdDevServerPort(port: number): Promise<void> {
  if (!devserver.netns) {
    const server = net.createServer();
    holders.push(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return;
  }
  const script = `require('net').createServer().listen(${port}, () => console.log('listening'))`;
  const child = spawn('ip', ['netns', 'exec', devserver.netns.name, process.execPath, '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  holders.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`port holder exited with ${code}`)));
  });
}

async function clusterForwards(cli: CliEnv, name: string): Promise<ForwardJson[]> {
  const result = await runCli(cli, ['status', 'devserver', '--json']);
  expect(result.code).toBe(0);
  const doc = JSON.parse(result.stdout) as {
    sessions: { clusters: { name: string; forwards: ForwardJson[] }[] }[];
  };
  return doc.sessions
    .flatMap((session) => session.clusters.filter((c) => c.name === name))
    .flatMap((c) => c.forwards);
}

async function listed(cli: CliEnv) {
  const result = await tunnel(cli, ['clusters', 'devserver', '--json']);
  expect(result.code).toBe(0);
  return (
    JSON.parse(result.stdout) as {
      clusters: {
        name: string;
        api: { hostIp: string; hostPort: number };
        ports: { hostPort: number; containerPort: number }[];
      }[];
    }
  ).clusters;
}

describe('tunnel cluster create', () => {
  it('creates a cluster (API on the dev server loopback), lists it, and --connect forwards it: curl and kubectl work', async () => {
    const cli = newCli();
    const ingress = await unusedPort();
    const nodePort = await unusedPort();
    const result = await tunnel(cli, [
      'cluster',
      'create',
      'devserver',
      'shop',
      '-p',
      // k3d's own tests/test_loadbalancer.sh writes the loadbalancer filter with a subset and a suffix.
      `${ingress}:80@loadbalancer:0:proxy`,
      '-p',
      `${nodePort}:30080@server:0`,
      '--connect',
    ]);
    expect(result.stderr).not.toMatch(/error:/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/created cluster shop on devserver \(k3d v5\.9\.0\): 1 server, 0 agents/);
    expect(result.stderr).toContain("k3d: Cluster 'shop' created successfully!");
    expect(result.stdout).toContain('context k3d-shop@devserver');
    const shop = (await listed(cli)).find((cluster) => cluster.name === 'shop');
    expect(shop?.api.hostIp).toBe('127.0.0.1');
    expect(shop?.ports.map((port) => port.hostPort).sort()).toEqual([ingress, nodePort].sort());
    const forwards = await clusterForwards(cli, 'shop');
    const web = forwards.find((forward) => forward.remotePort === ingress);
    expect(web).toBeDefined();
    expect((await curl(`http://127.0.0.1:${web!.localPort}/`)).stdout).toContain(
      'hello from shop via loadBalancer port 80',
    );
    const kubectl = await kubectlGetPods(cli, 'k3d-shop@devserver', '-A');
    expect(kubectl.stderr).toBe('');
    expect(kubectl.stdout).toContain('traefik');
    expect((await tunnel(cli, ['cluster', 'delete', 'devserver', 'shop'])).code).toBe(0);
  });

  it('a running session re-discovers at once with --connect; without it, says when the session picks it up', async () => {
    const cli = newCli();
    expect((await tunnel(cli, ['connect', 'devserver', '--rediscover-interval', '1h'])).code).toBe(0);
    const port = await unusedPort();
    const connected = await tunnel(cli, [
      'cluster',
      'create',
      'devserver',
      'blue',
      '-p',
      `${port}:80@loadbalancer`,
      '--connect',
    ]);
    expect(connected.code).toBe(0);
    expect(connected.stdout).toContain('through the session for devserver');
    const forward = (await clusterForwards(cli, 'blue')).find((entry) => entry.remotePort === port);
    expect((await curl(`http://127.0.0.1:${forward!.localPort}/`)).stdout).toContain('hello from blue');
    const plain = await tunnel(cli, ['cluster', 'create', 'devserver', 'green']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(
      'the running session for devserver forwards it at its next discovery (within 3600s)',
    );
    for (const name of ['blue', 'green'])
      expect((await tunnel(cli, ['cluster', 'delete', 'devserver', name])).code).toBe(0);
    expect(await clusterForwards(cli, 'blue')).toEqual([]);
  });

  it.each([
    ['8080:8080@server:0', /container port 8080 is not a NodePort \(30000-32767\)/],
    ['8080:30080@agent:0', /names agent 0, but the cluster has 0 agents/],
    ['8080:30080@agent:3', /names agent 3, but the cluster has 0 agents[\s\S]*--agents 4,/],
    ['70000:30080', /the host port 70000 is outside 1-65535/],
    ['8080:30080@server', /needs a subset, e.g. server:0/],
    ['9999:53/udp', /TCP only/],
  ])('refuses -p %s with exit 2 before anything runs', async (spec, message) => {
    const cli = newCli();
    const before = clusterNames();
    const result = await tunnel(cli, ['cluster', 'create', 'devserver', 'bad', '-p', spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`-p "${spec}"`);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/hint: .*-p /);
    expect(clusterNames()).toEqual(before);
  });

  it('refuses a host port that is busy on the dev server, naming it; nothing is created', async () => {
    const cli = newCli();
    const before = clusterNames();
    const port = await unusedPort();
    await holdDevServerPort(port);
    const result = await tunnel(cli, [
      'cluster',
      'create',
      'devserver',
      'busy',
      '-p',
      `${port}:30080@server:0`,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `port ${port} (-p ${port}:30080@server:0) is already in use on devserver`,
    );
    expect(result.stderr).toContain(`ss -ltnp 'sport = :${port}'`);
    expect(clusterNames()).toEqual(before);
    const taken = await tunnel(cli, ['cluster', 'create', 'devserver', 'busy', '-p', '8080:30080@server:0']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain('k3d cluster "my-app" publishes it');
  });

  it.skipIf(!isRoot)('names the process that holds a local port (an ssh -L here)', async () => {
    const cli = newCli();
    const client = devServerClient(devserver);
    try {
      const local = await client.forward(22);
      const result = await tunnel(cli, [
        'cluster',
        'create',
        'devserver',
        'held',
        '-p',
        `${local}:30080@server:0`,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`port ${local} .* is in use on this machine by an ssh -L tunnel \\(pid \\d+\\)`),
      );
      expect(result.stderr).toContain('hint: Stop it if you no longer need it: kill ');
      expect(clusterNames()).not.toContain('held');
    } finally {
      client.closeAll();
    }
  });

  it('says a cluster with that name already exists', async () => {
    const result = await tunnel(newCli(), ['cluster', 'create', 'devserver', 'my-app']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('A cluster with that name already exists: "my-app" on devserver');
    expect(result.stderr).toContain('tunnel cluster delete devserver my-app');
  });
});

describe('tunnel cluster delete', () => {
  it('deletes, removes the kube context, and a second delete says there is nothing to delete (exit 0)', async () => {
    const cli = newCli();
    const port = await unusedPort();
    expect(
      (
        await tunnel(cli, [
          'cluster',
          'create',
          'devserver',
          'gone',
          '-p',
          `${port}:80@loadbalancer`,
          '--connect',
        ])
      ).code,
    ).toBe(0);
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toContain('k3d-gone@devserver');
    const first = await tunnel(cli, ['cluster', 'delete', 'devserver', 'gone']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('deleted cluster gone on devserver');
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).not.toContain('k3d-gone@devserver');
    expect(clusterNames()).not.toContain('gone');
    expect(await clusterForwards(cli, 'gone')).toEqual([]);
    const second = await tunnel(cli, ['cluster', 'delete', 'devserver', 'gone']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('devserver has no k3d cluster named gone; nothing to delete');
  });
});

describe('the simulated k3d', () => {
  it('fails a create whose host port is taken like docker does, and rolls back', async () => {
    const port = await unusedPort();
    await holdDevServerPort(port);
    const client = devServerClient(devserver);
    const result = await client.login(`k3d cluster create rb -p ${port}:30080@server:0`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`listen tcp4 0.0.0.0:${port}: bind: address already in use`);
    expect(result.stdout).toContain("Deleting cluster 'rb'");
    expect(result.stderr).toContain('Cluster creation FAILED, all changes have been rolled back!');
    expect(clusterNames()).not.toContain('rb');
  });
});
