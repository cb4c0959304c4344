// Which Services a connect forwards, through the real CLI against the simulated dev server (issue 14,
// parts 3 and 4): --selector, --namespace and --exclude-namespace, a --map pin for one Service, and a
// Service's local port kept across an agent restart. Root only: the node addresses live inside the dev
// server's namespace.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { isRoot } from '../devserver/netns.js';
import { type CliEnv, cliEnvsPerTest, curl, runCli } from './cli-helpers.js';
import { connectTo, forwards, named, until } from './services-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

function connect(cli: CliEnv, ...extra: string[]) {
  return connectTo(devserver, cli, ...extra);
}

/** A listener on 127.0.0.1 (port 0 = any free one); close it to free the port. */
async function listenOn(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

describe.skipIf(!isRoot())('which Services a connect forwards (services.json)', () => {
  beforeAll(async () => {
    devserver = await startDevServer({ scenario: 'services.json' });
  });

  afterAll(async () => {
    await devserver?.stop();
  });

  it('--selector: a labelled LoadBalancer Service through a node address, the other Services not', async () => {
    await devserver.world.addService('my-app', {
      namespace: 'shop',
      name: 'cart',
      type: 'LoadBalancer',
      labels: { app: 'cart' },
      ports: [{ port: 7272 }],
    });
    try {
      const cli = newCli();
      const result = await connect(cli, '--selector', 'app=cart');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/shop\/cart:7272\s+127\.0\.0\.1:7272\s+node 172\.\d+\.0\.\d+:\d+/);
      expect(result.stdout).not.toContain('grafana');
      const cart = named(await forwards(cli), 'cart');
      expect(cart?.via.kind).toBe('node');
      expect((await curl('http://127.0.0.1:7272/')).stdout).toMatch(/^hello from my-app via /);
    } finally {
      await devserver.world.deleteService('my-app', 'shop', 'cart');
    }
  });

  it("kube-system's traefik only with --exclude-namespace none, or when --namespace names it", async () => {
    const all = await connect(newCli(), '--exclude-namespace', 'none');
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/kube-system\/traefik:80\s/);
    expect(all.stdout).toContain('monitoring/grafana:3000');

    const cli = newCli();
    const onlyKubeSystem = await connect(cli, '--namespace', 'kube-system');
    expect(onlyKubeSystem.code).toBe(0);
    expect(onlyKubeSystem.stdout).toMatch(/kube-system\/traefik:80\s/);
    expect(onlyKubeSystem.stdout).not.toContain('grafana');
    const traefik = named(await forwards(cli), 'traefik');
    expect(traefik?.via.kind).toBe('node');
    expect((await curl(`http://127.0.0.1:${traefik?.localPort}/`)).stdout).toContain(
      `via nodePort ${traefik?.remotePort}`,
    );
  });

  it('--namespace with a --map pin: grafana on the pinned port, backend left out, the mapping kept', async () => {
    const free = await listenOn(0);
    const pinned = portOf(free);
    await close(free);
    const cli = newCli();
    const result = await connect(
      cli,
      ...['--services', 'all', '--namespace', 'monitoring', '--map', `monitoring/grafana:3000:${pinned}`],
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`monitoring/grafana:3000\\s+127\\.0\\.0\\.1:${pinned}\\s+node `),
    );
    expect(result.stdout).not.toContain('default/backend');
    expect((await curl(`http://127.0.0.1:${pinned}/`)).stdout).toContain('via nodePort 31742');
    expect(result.stdout).toMatch(/127\.0\.0\.1:8080\s+host port 8080 → nodePort 30080/);
    expect(named(await forwards(cli), 'grafana')?.localPort).toBe(pinned);
  });

  it('a Service keeps its local port across an agent restart, even once its own port is free again', async () => {
    const blocker = await listenOn(3000);
    const cli = newCli();
    try {
      expect((await connect(cli)).code).toBe(0);
    } finally {
      await close(blocker);
    }
    const before = named(await forwards(cli), 'grafana');
    expect(before?.localPort).not.toBe(3000);

    expect((await runCli(cli, ['agent', 'stop'])).code).toBe(0);
    expect((await runCli(cli, ['agent', 'start'])).code).toBe(0);
    const restored = await until(cli, (list) => named(list, 'grafana') !== undefined);
    expect(named(restored, 'grafana')?.localPort).toBe(before?.localPort);
    expect((await curl(`http://127.0.0.1:${before?.localPort}/`)).stdout).toContain('via nodePort 31742');
  });
});
