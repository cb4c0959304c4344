// `tunnel nodeports` end to end: the real CLI, a real sshd, the simulated k3d and its Kubernetes API, and the
// real curl and kubectl to check that a fix is what a user would see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, type Scenario, startDevServer } from '../devserver/index.js';
import { type CliEnv, cliEnvsPerTest, curl, run, runCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'nodeport-mismatch.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

const nodeports = (cli: CliEnv, ...args: string[]) =>
  runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'nodeports', 'devserver', ...args]);

/** The nodePorts of a Service as the simulated API server stores it. */
function storedNodePorts(cluster: string, name: string): (number | undefined)[] {
  const world = devserver.world.state().clusters.find((entry) => entry.name === cluster);
  const service = world?.kube.services.find((entry) => entry.metadata.name === name);
  const spec = service?.spec as { ports: { nodePort?: number }[] } | undefined;
  return (spec?.ports ?? []).map((port) => port.nodePort);
}

/** `tunnel connect` in the agent; the local port of each dev-server port. */
async function connect(cli: CliEnv): Promise<Map<number, number>> {
  const result = await runCli(cli, [
    '--ssh-config',
    devserver.sshConfigFile,
    'connect',
    'devserver',
    '--json',
  ]);
  expect(result.code, result.stderr).toBe(0);
  const { status } = JSON.parse(result.stdout) as {
    status: { clusters: { forwards: { remotePort: number; localPort: number }[] }[] };
  };
  const forwards = status.clusters.flatMap((cluster) => cluster.forwards);
  return new Map(forwards.map((forward) => [forward.remotePort, forward.localPort]));
}

describe('tunnel nodeports', () => {
  it('finds the Service whose NodePort k3d does not map, and the mapping nothing answers', async () => {
    const result = await nodeports(newCli());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^CLUSTER\s+HOST PORT→NODEPORT\s+SERVICE\s+STATE\s+NOTE$/m);
    expect(result.stdout).toMatch(/my-app\s+8080→30080\s+-\s+no service\s+no Service has nodePort 30080/);
    expect(result.stdout).toMatch(
      /my-app\s+-→31234\s+default\/web:8080\s+unreached\s+nodePort 31234 is not mapped/,
    );
    expect(result.stdout).toMatch(
      /my-app\s+3000→30300\s+default\/frontend:3000\s+no pods\s+.*ImagePullBackOff/,
    );
    expect(result.stdout).toContain(
      '--fix would patch default/web port 8080 nodePort 31234 → 30080 (host port 8080)',
    );
  });

  it('--dry-run shows the patch as a kubectl command and a JSON body, and changes nothing', async () => {
    const cli = newCli();
    const result = await nodeports(cli, '--dry-run');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      'would patch default/web (the API server accepts it, server-side dry run)',
    );
    const body =
      '{"metadata":{"resourceVersion":"1"},"spec":{"ports":[{"protocol":"TCP","port":8080,"targetPort":8080,"nodePort":30080}]}}';
    expect(result.stdout).toContain(
      `kubectl --context k3d-my-app@devserver -n default patch service web --type merge -p '${body}'`,
    );
    expect(result.stdout).toContain(`body (application/merge-patch+json): ${body}`);
    expect(result.stdout).toMatch(/nothing was changed: --dry-run\)$/m);
    expect(storedNodePorts('my-app', 'web')).toEqual([31234]);
    const again = JSON.parse((await nodeports(cli, '--json')).stdout);
    expect(again.clusters[0].rows.map((row: { state: string }) => row.state)).toContain('unreached');
  });

  it('--fix patches the Service: curl through the forward reaches it, and kubectl shows the new nodePort', async () => {
    const cli = newCli();
    const local = await connect(cli);
    const url = `http://127.0.0.1:${local.get(8080)}/`;
    expect((await curl(url)).code).not.toBe(0); // nginx accepts and closes: nothing behind 30080 yet
    const result = await nodeports(cli, '--fix');
    expect(result.stdout).toMatch(
      /my-app\s+8080→30080\s+default\/web:8080\s+fixed\s+nodePort 31234 → 30080 \(patched\)/,
    );
    expect(result.stdout).toContain(
      'patched default/web: port 8080 nodePort 31234 → 30080 (host port 8080); confirmed',
    );
    // Still 1: frontend has no ready pod, which no patch can fix.
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/not ok: 1 Service\(s\) without a ready pod$/m);
    expect(result.stdout).toContain(
      'kubectl --context k3d-my-app@devserver -n default get pods -l app=frontend',
    );
    expect(storedNodePorts('my-app', 'web')).toEqual([30080]);
    expect((await curl(url)).stdout).toBe('hello from my-app via nodePort 30080 (host port 8080)\n');
    const kubectl = await run(
      'kubectl',
      ['--context', 'k3d-my-app@devserver', 'get', 'svc', 'web'],
      20_000,
      cli.env,
    );
    expect(kubectl.code, kubectl.stderr).toBe(0);
    expect(kubectl.stdout).toMatch(/web\s+NodePort\s+\S+\s+<none>\s+8080:30080\/TCP/);
  });

  it('exits 0 once every mapping is served and every NodePort Service is mapped', async () => {
    const scenario: Scenario = {
      clusters: [
        {
          name: 'my-app',
          apiPort: 16443,
          ports: [
            { hostPort: 8080, containerPort: 30080, nodeFilter: 'server:0' },
            { hostPort: 8081, containerPort: 80, nodeFilter: 'loadbalancer' },
          ],
          services: [{ name: 'web', port: 8080, nodePort: 31234 }],
        },
      ],
    };
    await devserver.world.load(scenario);
    const cli = newCli();
    expect((await nodeports(cli)).code).toBe(1);
    const fixed = await nodeports(cli, '--fix');
    expect(fixed.stdout).toMatch(
      /my-app\s+8081→80\s+kube-system\/traefik:80\s+ok\s+LoadBalancer port, through k3s ServiceLB/,
    );
    expect(fixed.stdout).toMatch(/^ok: every mapped port reaches a Service/m);
    expect(fixed.code).toBe(0);
    const check = await nodeports(cli, '--json');
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({
      ok: true,
      mode: 'check',
      clusters: [{ cluster: 'my-app', ok: true }],
    });
  });

  it('explains a conflict instead of guessing, and the command it offers works with kubectl', async () => {
    await devserver.world.load('nodeport-conflict.json');
    const cli = newCli();
    const fix = await nodeports(cli, '--fix');
    expect(fix.code).toBe(1);
    expect(fix.stdout).toContain(
      '2 Service ports are not reached (default/cart:9000, default/catalog:9100) but only 1 mapped NodePort is free (30080): tunnel does not guess',
    );
    expect(fix.stdout).toMatch(
      /shop\s+5353→30053\s+default\/dns:53\/UDP\s+no service\s+default\/dns:53 uses 30053 over UDP/,
    );
    expect(fix.stdout).not.toMatch(/^shop: patched/m);
    expect([storedNodePorts('shop', 'cart'), storedNodePorts('shop', 'catalog')]).toEqual([[31001], [31002]]);
    // The user chooses cart, with the command tunnel printed, through the forwarded API.
    await connect(cli);
    expect(fix.stdout).toContain(
      '  default/catalog:9100 as it is: k3d cluster edit shop --port-add <host port>:31002@server:0',
    );
    const offered = fix.stdout.split('\n').find((line) => line.includes('patch service cart'));
    const command = offered?.slice(offered.indexOf('kubectl'));
    expect(command).toMatch(
      /^kubectl --context k3d-shop@devserver -n default patch service cart --type merge -p '/,
    );
    const applied = await run('sh', ['-c', command!], 20_000, cli.env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(storedNodePorts('shop', 'cart')).toEqual([30080]);
    const after = await nodeports(cli);
    expect(after.stdout).toMatch(/shop\s+8080→30080\s+default\/cart:9000\s+ok/);
    expect(after.stdout).toMatch(/shop\s+-→31002\s+default\/catalog:9100\s+unreached/);
  });

  it('refuses --fix together with --dry-run as bad usage', async () => {
    const result = await nodeports(newCli(), '--fix', '--dry-run');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fix and --dry-run exclude each other');
  });
});
