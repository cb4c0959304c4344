// Validates the dev-server SIMULATOR (test/devserver) with real OpenSSH, curl and kubectl only — no project
// code: what k3d/docker answer over a login shell, real forwards to the simulated ports, and a real kubectl
// with TLS verified against the cluster's certificates.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { type DevServerClient, devServerClient, run, shellQuote } from '../devserver/client.js';
import { type DaemonReport, type DevServer, startDevServer } from '../devserver/index.js';

/** The parts of k3d's cluster JSON these tests read. */
interface K3dClusterJson {
  name: string;
  nodes: {
    name: string;
    role?: string;
    env?: string[];
    portMappings?: Record<string, { HostIp: string; HostPort: string }[]>;
    serverOpts: { kubeAPI: unknown };
  }[];
}

let dev: DevServer;
let client: DevServerClient;
const ssh = (command: string) => client.ssh(command);
const login = (command: string) => client.login(command);
const forward = (remotePort: number) => client.forward(remotePort);
const curl = (url: string, ...extra: string[]) => run('curl', ['-sS', '--max-time', '5', ...extra, url]);

async function kubeconfigFor(cluster: string, apiLocalPort: number, file: string): Promise<void> {
  const { code, stdout } = await login(`k3d kubeconfig get ${shellQuote(cluster)}`);
  expect(code).toBe(0);
  expect(stdout.startsWith('---\n')).toBe(true);
  const rewritten = stdout
    .slice(4)
    .replace(/server: https:\/\/0\.0\.0\.0:\d+/, `server: https://127.0.0.1:${apiLocalPort}`);
  fs.writeFileSync(file, rewritten, { mode: 0o600 });
}

const hostPorts = (report: DaemonReport) =>
  report.listening.map((listener) => listener.hostPort).sort((a, b) => a - b);
const kubectl = (kubeconfig: string, ...args: string[]) =>
  run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dev.dir, 'kube-cache'), ...args]);

beforeAll(async () => {
  dev = await startDevServer({ scenario: 'two-clusters.json' });
  client = devServerClient(dev);
});

afterAll(async () => {
  client?.closeAll();
  await dev?.stop();
});

describe('dev-server simulator', () => {
  it('hides k3d from non-interactive sessions but not from a login shell', async () => {
    const plain = await ssh('k3d version');
    expect(plain.code).toBe(127);
    // bash says "k3d: command not found", dash (a user whose login shell is /bin/sh) "k3d: not found".
    expect(plain.stderr).toMatch(/k3d: (command )?not found/);
    const viaLogin = await login('k3d version');
    expect(viaLogin).toEqual({
      code: 0,
      stdout: 'k3d version v5.9.0\nk3s version v1.31.5-k3s1 (default)\n',
      stderr: '',
    });
    expect((await login('k3d version -o json')).stdout).toBe('{"k3d":"v5.9.0","k3s":"v1.31.5-k3s1"}\n');
    expect((await login(`docker info --format '{{.ServerVersion}}'`)).stdout.trim()).toMatch(
      /^\d+\.\d+\.\d+$/,
    );
  });

  it('lists clusters as k3d does: API under "6443" and proxied ports on the serverlb, :direct on the node', async () => {
    const { code, stdout, stderr } = await login('k3d cluster list -o json');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.endsWith('\n') && !stdout.trimEnd().includes('\n')).toBe(true);
    const clusters: K3dClusterJson[] = JSON.parse(stdout);
    expect(clusters.map((cluster) => cluster.name)).toEqual(['my-app', 'other']);
    const [myApp, other] = clusters as [K3dClusterJson, K3dClusterJson];
    const keys =
      'name network nodes InitNode imageVolume serversRunning serversCount agentsRunning agentsCount';
    expect(Object.keys(myApp)).toEqual([...keys.split(' '), 'hasLoadbalancer']);
    const node = (cluster: K3dClusterJson, name: string) =>
      cluster.nodes.find((entry) => entry.name === name)!;
    const lb = node(myApp, 'k3d-my-app-serverlb');
    // Go sorts map keys as strings; JSON.parse would move "6443" first, so check the raw text.
    expect(stdout).toContain(
      '"portMappings":{"30080/tcp":[{"HostIp":"","HostPort":"8080"}],"30300/tcp":[{"HostIp":"","HostPort":"3000"}],"6443":[{"HostIp":"0.0.0.0","HostPort":"16443"}]}',
    );
    expect(lb.portMappings?.['6443']).toEqual([{ HostIp: '0.0.0.0', HostPort: '16443' }]);
    expect(lb.portMappings?.['30080/tcp']).toEqual([{ HostIp: '', HostPort: '8080' }]);
    expect(lb.role).toBe('loadbalancer');
    expect(node(myApp, 'k3d-my-app-server-0').portMappings).toBeUndefined();
    expect(node(myApp, 'k3d-my-app-server-0').serverOpts.kubeAPI).toEqual({
      Port: '',
      Binding: { HostIp: '0.0.0.0', HostPort: '16443' },
      host: '0.0.0.0',
    });
    expect(node(myApp, 'k3d-my-app-server-0').env).toContain('K3S_KUBECONFIG_OUTPUT=/output/kubeconfig.yaml');
    expect(node(other, 'k3d-other-server-0').portMappings).toEqual({
      '30090/tcp': [{ HostIp: '', HostPort: '9090' }],
    });
    expect(myApp).toMatchObject({
      InitNode: null,
      serversRunning: 1,
      serversCount: 1,
      agentsRunning: 1,
      agentsCount: 1,
      hasLoadbalancer: true,
    });

    const table = await login('k3d cluster list');
    expect(table.stdout).toBe(
      'NAME     SERVERS   AGENTS   LOADBALANCER\nmy-app   1/1       1/1      true\nother    1/1       0/0      true\n',
    );
  });

  it('adds serverLoadBalancer and volumes on the get-by-name path', async () => {
    const [myApp] = JSON.parse((await login('k3d cluster get my-app -o json')).stdout);
    expect(myApp.serverLoadBalancer.name).toBe('k3d-my-app-serverlb');
    expect(myApp.serverLoadBalancer.config).toEqual({
      ports: {
        '30080.tcp': ['k3d-my-app-server-0'],
        '30300.tcp': ['k3d-my-app-server-0'],
        '6443.tcp': ['k3d-my-app-server-0'],
      },
      settings: { workerConnections: 1024 },
    });
    expect(myApp.volumes).toEqual(['k3d-my-app-images']);
  });

  it('fails like k3d: FATA in colour on stderr, exit 1', async () => {
    const missing = await login('k3d cluster get nope');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^\x1b\[31mFATA\x1b\[0m\[\d{4}\] No nodes found for given cluster +\n$/);
    const unknown = await login('k3d frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Error: unknown command "frobnicate" for "k3d"');
    expect(unknown.stderr).toMatch(/FATA.*unknown command "frobnicate" for "k3d"/);
  });

  it('serves the published ports through a real ssh -L forward', async () => {
    const web = await forward(8080);
    expect((await curl(`http://127.0.0.1:${web}/`)).stdout).toBe(
      'hello from my-app via nodePort 30080 (host port 8080)\n',
    );
    expect((await curl(`http://127.0.0.1:${web}/echo`, '--data-binary', 'ping')).stdout).toBe('ping');
    const frontend = await forward(3000);
    expect((await curl(`http://127.0.0.1:${frontend}/`)).stdout).toBe(
      'hello from my-app via nodePort 30300 (host port 3000)\n',
    );
    const direct = await forward(9090);
    expect((await curl(`http://127.0.0.1:${direct}/`)).stdout).toBe(
      'hello from other via nodePort 30090 (host port 9090)\n',
    );
  });

  it('makes the real kubectl work through the forwarded API port with TLS verified', async () => {
    const api = await forward(16443);
    const kubeconfig = path.join(dev.dir, 'kubeconfig-my-app');
    await kubeconfigFor('my-app', api, kubeconfig);
    const config = parseYaml(fs.readFileSync(kubeconfig, 'utf8'));
    expect(config['current-context']).toBe('k3d-my-app');
    expect(config.users[0].name).toBe('admin@k3d-my-app');

    const pods = await kubectl(kubeconfig, 'get', 'pods');
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\n/);
    expect(pods.stdout).toMatch(/\nweb-\S+\s+1\/1\s+Running\s+0\s/);
    const services = await kubectl(kubeconfig, 'get', 'svc', '-A');
    expect(services.code, services.stderr).toBe(0);
    expect(services.stdout).toMatch(/default\s+web\s+NodePort\s+\S+\s+<none>\s+8080:30080\/TCP/);
    const nodes = await kubectl(kubeconfig, 'get', 'nodes');
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout).toMatch(/k3d-my-app-server-0\s+Ready\s+control-plane,master/);

    const withoutCert = path.join(dev.dir, 'kubeconfig-no-cert');
    fs.writeFileSync(
      withoutCert,
      fs.readFileSync(kubeconfig, 'utf8').replace(/^\s+client-(certificate|key)-data: .*\n/gm, ''),
    );
    expect((await kubectl(withoutCert, 'get', 'pods')).code).not.toBe(0);
  });

  it('applies and persists a NodePort PATCH; the host port follows the Service', async () => {
    const api = await forward(16443);
    const kubeconfig = path.join(dev.dir, 'kubeconfig-patch');
    await kubeconfigFor('my-app', api, kubeconfig);
    const web = await forward(8080);
    const patchWeb = (nodePort: number, ...extra: string[]) =>
      kubectl(
        kubeconfig,
        'patch',
        'svc',
        'web',
        ...extra,
        '-p',
        `{"spec":{"ports":[{"port":8080,"nodePort":${nodePort}}]}}`,
      );
    const taken = await patchWeb(30300);
    expect(taken.code).not.toBe(0);
    expect(taken.stderr).toContain('provided port is already allocated');
    expect((await patchWeb(31000)).code).toBe(0);
    const service = dev.world
      .state()
      .clusters[0]!.kube.services.find((entry) => entry.metadata.name === 'web');
    expect((service?.spec?.ports as { nodePort: number }[] | undefined)?.[0]?.nodePort).toBe(31000);
    // Nothing behind NodePort 30080 any more: k3d's nginx accepts, then closes without a reply.
    expect((await curl(`http://127.0.0.1:${web}/`)).code).not.toBe(0);
    expect((await patchWeb(30080, '--type', 'merge')).code).toBe(0);
    expect((await curl(`http://127.0.0.1:${web}/`)).stdout).toContain('via nodePort 30080');
  });

  it('keeps portMappings of a stopped cluster but listens nowhere for it', async () => {
    const report = await dev.world.load('stopped.json');
    expect(hostPorts(report)).toEqual([8080, 16443]);
    const [, stopped] = JSON.parse((await login('k3d cluster list -o json')).stdout);
    expect(stopped).toMatchObject({ name: 'stopped', serversRunning: 0, serversCount: 1 });
    const lb = stopped.nodes.find((node: { role: string }) => node.role === 'loadbalancer');
    expect(lb.State).toEqual({ Running: false, Status: 'exited', Started: '' });
    expect(lb.IP).toEqual({ IP: '', Static: false });
    expect(lb.portMappings['30081/tcp']).toEqual([{ HostIp: '', HostPort: '8081' }]);
    expect((await ssh('bash -c "exec 3<>/dev/tcp/127.0.0.1/8080"')).code).toBe(0);
    expect((await ssh('bash -c "exec 3<>/dev/tcp/127.0.0.1/8081"')).code).not.toBe(0);
  });

  it('returns a hostile cluster name verbatim and never executes it', async () => {
    fs.rmSync('/tmp/pwned', { force: true });
    await dev.world.load('hostile-name.json');
    const names = JSON.parse((await login('k3d cluster list -o json')).stdout).map(
      (cluster: { name: string }) => cluster.name,
    );
    expect(names).toEqual(['my-app', 'x; touch /tmp/pwned']);
    const [hostile] = JSON.parse(
      (await login(`k3d cluster get ${shellQuote('x; touch /tmp/pwned')} -o json`)).stdout,
    );
    expect(hostile.network.name).toBe('k3d-x; touch /tmp/pwned');
    const kubeconfig = await login(`k3d kubeconfig get ${shellQuote('x; touch /tmp/pwned')}`);
    expect(parseYaml(kubeconfig.stdout.slice(4))['current-context']).toBe('k3d-x; touch /tmp/pwned');
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });

  it('re-creates a cluster with new certificates and ports, and lists nothing when empty', async () => {
    const before = dev.world.state().clusters.find((cluster) => cluster.name === 'my-app')!;
    const report = await dev.world.load('recreated.json');
    const after = dev.world.state().clusters.find((cluster) => cluster.name === 'my-app')!;
    expect(after.generation).not.toBe(before.generation);
    expect(after.certs.serverCa).not.toBe(before.certs.serverCa);
    expect(hostPorts(report)).toEqual([5000, 8080, 16443]);
    await dev.world.load('empty.json');
    expect((await login('k3d cluster list -o json')).stdout).toBe('[]\n');
    expect((await login('k3d cluster list')).stdout).toBe('NAME   SERVERS   AGENTS   LOADBALANCER\n');
  });
});
