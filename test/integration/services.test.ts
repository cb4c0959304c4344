// Every Service without port mappings (issue 14), through the real CLI against the simulated dev server:
// NodePort/LoadBalancer Services through the k3d nodes' addresses (nothing patched, no mapping), a mapped
// host port shown as the same row as its Service, Services created and deleted while connected, ClusterIP
// Services through the API's pod port-forward surviving a rollout, and a rootless engine whose node
// addresses the dev server cannot reach. Root only: the node addresses live inside the dev server's namespace.
import fs from 'node:fs';
import path from 'node:path';
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

describe.skipIf(!isRoot())('every Service, without port mappings (services.json)', () => {
  beforeAll(async () => {
    devserver = await startDevServer({ scenario: 'services.json' });
  });

  afterAll(async () => {
    await devserver?.stop();
  });

  it('connect forwards grafana through a node address, and my-app-svc through its mapping as one row', async () => {
    const cli = newCli();
    const result = await connect(cli);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CLUSTER\s+KIND\s+SERVICE\s+LOCAL\s+VIA/);
    expect(result.stdout).toMatch(
      /my-namespace\/my-app-svc:8080\s+127\.0\.0\.1:8080\s+host port 8080 → nodePort 30080/,
    );
    expect(result.stdout).toMatch(
      /monitoring\/grafana:3000\s+127\.0\.0\.1:3000\s+node 172\.\d+\.0\.\d+:31742/,
    );
    // ClusterIP needs `services: all`; k3s's own add-ons (traefik in kube-system) are excluded by default.
    expect(result.stdout).not.toContain('default/backend');
    expect(result.stdout).not.toContain('kube-system/');
    expect(result.stdout.match(/my-app-svc/g)).toHaveLength(1);

    const grafana = await curl('http://127.0.0.1:3000/');
    expect(grafana.stdout).toMatch(/^hello from my-app via nodePort 31742 \(node 172\.\d+\.0\.\d+\)/);
    const app = await curl('http://127.0.0.1:8080/');
    expect(app.stdout).toContain('hello from my-app via nodePort 30080');

    const list = await forwards(cli);
    expect(named(list, 'grafana')).toMatchObject({
      service: { namespace: 'monitoring', name: 'grafana', port: 3000 },
      via: { kind: 'node' },
      remotePort: 31742,
    });
    expect(named(list, 'my-app-svc')?.via.kind).toBe('host-port');
  });

  it('a Service created while connected answers locally, and one deleted goes away', async () => {
    const cli = newCli();
    expect((await connect(cli)).code).toBe(0);
    await devserver.world.addService('my-app', {
      namespace: 'shop',
      name: 'cart',
      type: 'NodePort',
      ports: [{ port: 7070 }],
    });
    const added = await until(cli, (list) => named(list, 'cart') !== undefined);
    const cart = named(added, 'cart');
    expect(cart?.via.kind).toBe('node');
    const reply = await curl(`http://127.0.0.1:${cart?.localPort}/`);
    expect(reply.stdout).toContain(`via nodePort ${cart?.remotePort}`);
    const logs = await runCli(cli, ['logs', '--lines', '200']);
    expect(logs.stdout).toContain('service shop/cart:7070 appeared on my-app');

    await devserver.world.deleteService('my-app', 'shop', 'cart');
    await until(cli, (list) => named(list, 'cart') === undefined);
    const gone = await curl(`http://127.0.0.1:${cart?.localPort}/`);
    expect(gone.code).not.toBe(0);
    const later = await runCli(cli, ['logs', '--lines', '200']);
    expect(later.stdout).toContain('service shop/cart:7070 left my-app');
  });

  it('services all: a ClusterIP Service through the pod port-forward, still answering after a rollout', async () => {
    const cli = newCli();
    const result = await connect(cli, '--services', 'all');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/default\/backend:9000\s+127\.0\.0\.1:9000\s+pod port-forward/);
    const first = await curl('http://127.0.0.1:9000/');
    const pod = /pod (\S+) port 8080/.exec(first.stdout)?.[1];
    expect(pod).toBeDefined();

    await devserver.world.replacePods('my-app', 'default', 'backend');
    const second = await curl('http://127.0.0.1:9000/');
    expect(second.stdout).toMatch(/^hello from my-app pod \S+ port 8080/);
    expect(second.stdout).not.toContain(`pod ${pod} `);
  });

  it('a Service created while the link is down appears after the reconnect (the resync)', async () => {
    const cli = newCli();
    expect((await connect(cli)).code).toBe(0);
    await devserver.sshd.crash();
    await devserver.world.addService('my-app', {
      namespace: 'shop',
      name: 'orders',
      type: 'NodePort',
      ports: [{ port: 7171 }],
    });
    await devserver.sshd.restart();
    try {
      const list = await until(cli, (forwards) => named(forwards, 'orders') !== undefined);
      const orders = named(list, 'orders');
      expect(orders?.via.kind).toBe('node');
      expect((await curl(`http://127.0.0.1:${orders?.localPort}/`)).stdout).toContain(
        `via nodePort ${orders?.remotePort}`,
      );
    } finally {
      await devserver.world.deleteService('my-app', 'shop', 'orders');
    }
  });

  it('over the OpenSSH transport too: the node-address and pod forwards go through the ssh master', async () => {
    const cli = newCli();
    const result = await connect(cli, '--transport', 'openssh', '--services', 'all');
    expect(result.code).toBe(0);
    const list = await forwards(cli);
    const grafana = named(list, 'grafana');
    const backend = named(list, 'backend');
    expect(grafana?.via.kind).toBe('node');
    expect(backend?.via.kind).toBe('pod');
    expect((await curl(`http://127.0.0.1:${grafana?.localPort}/`)).stdout).toContain('via nodePort 31742');
    expect((await curl(`http://127.0.0.1:${backend?.localPort}/`)).stdout).toMatch(
      /^hello from my-app pod \S+ port 8080/,
    );
  });

  it('--services mapped forwards only the mapped ports, as before', async () => {
    const cli = newCli();
    const result = await connect(cli, '--services', 'mapped');
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('grafana');
    expect((await curl('http://127.0.0.1:8080/')).stdout).toContain('via nodePort 30080');
  });

  it('a Service whose port is taken here gets the same fallback port on every connect', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(3000, '127.0.0.1', resolve));
    try {
      const ports: number[] = [];
      for (let round = 0; round < 2; round++) {
        const cli = newCli();
        const result = await connect(cli);
        expect(result.stdout).toContain('monitoring/grafana:3000');
        const grafana = named(await forwards(cli), 'grafana');
        expect(grafana?.remapped?.reason).toBe('busy');
        ports.push(grafana?.localPort ?? 0);
        await runCli(cli, ['disconnect', '--all']);
      }
      expect(ports[0]).not.toBe(3000);
      expect(ports[1]).toBe(ports[0]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('a node that turns NotReady: the forward moves to another node and keeps answering', async () => {
    const cli = newCli();
    expect((await connect(cli)).code).toBe(0);
    const before = named(await forwards(cli), 'grafana');
    const node = before?.via.node ?? '';
    const suffix = node.replace(/^k3d-my-app-/, '');
    await devserver.world.setNodeReady('my-app', suffix, false);
    try {
      const moved = await until(cli, (list) => named(list, 'grafana')?.via.node !== node);
      const after = named(moved, 'grafana');
      expect(after?.via.node).not.toBe(node);
      expect(after?.localPort).toBe(before?.localPort);
      expect((await curl(`http://127.0.0.1:${after?.localPort}/`)).stdout).toContain('via nodePort 31742');
    } finally {
      await devserver.world.setNodeReady('my-app', suffix, true);
    }
  });
});

describe.skipIf(!isRoot())('rootless docker: node addresses the dev server cannot reach', () => {
  let rootless: DevServer;
  const cliFor = cliEnvsPerTest();

  beforeAll(async () => {
    rootless = await startDevServer({ scenario: 'services-rootless.json' });
    // As a rootless docker user has it: the engine's socket in ~/.profile, where k3d and docker find it.
    fs.appendFileSync(
      path.join(rootless.simHome, '.profile'),
      'export DOCKER_HOST=unix:///run/user/1000/docker.sock\n',
    );
  });

  afterAll(async () => {
    await rootless?.stop();
  });

  it('says so once and keeps to the mapped ports', async () => {
    const cli = cliFor();
    const result = await runCli(cli, ['--ssh-config', rootless.sshConfigFile, 'connect', 'devserver']);
    expect(result.code).toBe(0);
    expect(result.stdout.match(/cannot reach the k3d node addresses \(rootless docker\?\)/g)).toHaveLength(1);
    expect(result.stdout).not.toContain('grafana');
    expect((await curl('http://127.0.0.1:8080/')).stdout).toContain('via nodePort 30080');
  });
});
