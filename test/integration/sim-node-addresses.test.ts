// Validates the SIMULATOR's node addresses (issue 14 part 6) with real curl, ssh and ip only — no project code:
// each running k3d node's address (what `k3d cluster list -o json` prints as IP.IP) is a real address on a
// docker-like bridge inside the dev server's namespace; every node answers on every NodePort/LoadBalancer
// port whichever node runs the pod (kube-proxy), refuses a port with nothing behind it, and a server node
// serves the API on 6443 with a certificate naming its address. The addresses follow stop/start/delete and
// are absent where the real ones are unreachable (rootless docker, an engine on another host). Root only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient, run } from '../devserver/client.js';
import { type DevServer, startDevServer, type WorldCluster } from '../devserver/index.js';
import { isRoot } from '../devserver/netns.js';

interface K3dNodeJson {
  name: string;
  role: string;
  IP: { IP: string };
}

if (!isRoot()) console.warn('sim-node-addresses: skipped, node addresses need root (network namespaces)');

describe.skipIf(!isRoot())('simulated node addresses on the cluster network (root only)', () => {
  let dev: DevServer;
  let client: DevServerClient;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-node-addresses-'));
    dev = await startDevServer({ scenario: 'services.json' });
    client = devServerClient(dev);
  });

  afterAll(async () => {
    client?.closeAll();
    await dev?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const inNamespace = (command: string, ...args: string[]) =>
    run('ip', ['netns', 'exec', dev.netns?.name ?? '', command, ...args]);
  const curl = (url: string, ...extra: string[]) =>
    inNamespace('curl', '-sS', '--max-time', '5', ...extra, url);
  const cluster = (name = 'my-app'): WorldCluster => {
    const found = dev.world.state().clusters.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no cluster ${name}`);
    return found;
  };
  const nodeIp = (suffix: string, name = 'my-app') =>
    cluster(name).nodes.find((node) => node.name.endsWith(suffix))?.ip ?? '';
  const bridge = (name = 'my-app') => `br-${cluster(name).network.id.slice(0, 12)}`;
  /** The IPv4 addresses on the namespace's br-* bridges, per bridge. */
  const bridges = async (): Promise<Record<string, string[]>> => {
    const { stdout } = await inNamespace('ip', '-j', 'addr', 'show', 'type', 'bridge');
    const links = JSON.parse(stdout || '[]') as {
      ifname: string;
      addr_info: { family: string; local: string; prefixlen: number }[];
    }[];
    return Object.fromEntries(
      links
        .filter((link) => link.ifname.startsWith('br-'))
        .map((link) => [
          link.ifname,
          link.addr_info
            .filter((info) => info.family === 'inet')
            .map((info) => `${info.local}/${info.prefixlen}`),
        ]),
    );
  };
  /** curl options that verify the cluster's serving certificate and present its admin client certificate. */
  const adminTls = (): string[] => {
    const certs = cluster().certs;
    const file = (name: string, text: string) => {
      fs.writeFileSync(path.join(tmp, name), text, { mode: 0o600 });
      return path.join(tmp, name);
    };
    return [
      ...['--cacert', file('ca.crt', certs.serverCa)],
      ...['--cert', file('admin.crt', certs.adminCert), '--key', file('admin.key', certs.adminKey)],
    ];
  };
  const refused = (result: { code: number | null; stderr: string }) => {
    expect(result.code).toBe(7);
    expect(result.stderr).toMatch(/Couldn't connect to server|Connection refused/);
  };

  it('puts every running node address k3d prints on a docker-like bridge inside the dev server', async () => {
    const listed = await client.login('k3d cluster list -o json');
    expect(listed.code).toBe(0);
    const [myApp] = JSON.parse(listed.stdout) as { nodes: K3dNodeJson[] }[];
    const printed = Object.fromEntries(myApp!.nodes.map((node) => [node.name, node.IP.IP]));
    const server = nodeIp('server-0');
    const agent = nodeIp('agent-0');
    expect(printed['k3d-my-app-server-0']).toBe(server);
    expect(printed['k3d-my-app-agent-0']).toBe(agent);
    expect(server).toMatch(/^172\.(1[89]|2\d|3[01])\.0\.\d+$/);
    const { gateway } = cluster().network;
    expect(await bridges()).toEqual({ [bridge()]: [`${gateway}/16`, `${server}/16`, `${agent}/16`] });
    // Only inside the namespace: this machine has no such bridge or address.
    expect(execFileSync('ip', ['-o', 'addr', 'show'], { encoding: 'utf8' })).not.toContain(`${server}/`);
  });

  it('answers on every NodePort from every node, whichever node runs the pod (grafana runs on the agent)', async () => {
    for (const address of [nodeIp('server-0'), nodeIp('agent-0')]) {
      // From a session on the dev server, as tunnel's forward reaches it.
      const grafana = await client.ssh(`curl -sS --max-time 5 http://${address}:31742/`);
      expect(grafana).toEqual({
        code: 0,
        stdout: `hello from my-app via nodePort 31742 (node ${address})\n`,
        stderr: '',
      });
      const app = await curl(`http://${address}:30080/`);
      expect(app.stdout).toBe(`hello from my-app via nodePort 30080 (node ${address})\n`);
      const echoed = await curl(`http://${address}:31742/echo`, '--data-binary', 'ping');
      expect(echoed.stdout).toBe('ping');
      // k3s's traefik LoadBalancer: klipper binds its own port on each node.
      expect((await curl(`http://${address}:80/`)).stdout).toBe(
        `hello from my-app via loadBalancer port 80 (node ${address})\n`,
      );
    }
    // The ClusterIP Service has no nodePort: nothing of it is on the nodes.
    refused(await curl(`http://${nodeIp('server-0')}:9000/`));
  });

  it('refuses a nodePort with no Service, and one whose Service has no ready pod', async () => {
    refused(await curl(`http://${nodeIp('agent-0')}:30999/`));
    const setGrafanaReady = (ready: boolean) =>
      dev.world.update((world) => {
        const pod = world.clusters[0]!.kube.pods.find((item) => item.metadata.name.startsWith('grafana-'))!;
        const status = pod.status as { conditions: { type: string; status: string }[] };
        status.conditions = [{ type: 'Ready', status: ready ? 'True' : 'False' }];
      });
    await setGrafanaReady(false);
    refused(await curl(`http://${nodeIp('server-0')}:31742/`));
    await setGrafanaReady(true);
    expect((await curl(`http://${nodeIp('server-0')}:31742/`)).code).toBe(0);
  });

  it('serves the API on a server node:6443 with a certificate that names the node address', async () => {
    const tls = adminTls();
    const version = await curl(`https://${nodeIp('server-0')}:6443/version`, ...tls);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ gitVersion: 'v1.31.5+k3s1' });
    // Agents run no API server.
    refused(await curl(`https://${nodeIp('agent-0')}:6443/version`, ...tls));
  });

  it('moves a nodePort patched through the API (kube-proxy follows the Service)', async () => {
    const patch = { spec: { ports: [{ name: 'service', port: 3000, targetPort: 3000, nodePort: 31743 }] } };
    const url = `https://${nodeIp('server-0')}:6443/api/v1/namespaces/monitoring/services/grafana`;
    const sent = await curl(
      url,
      ...adminTls(),
      '-X',
      'PATCH',
      '-H',
      'Content-Type: application/merge-patch+json',
      '--data-binary',
      JSON.stringify(patch),
    );
    expect(JSON.parse(sent.stdout).spec.ports[0].nodePort).toBe(31743);
    // The daemon re-reads the Services right after answering; poll for it rather than race it.
    const address = nodeIp('agent-0');
    let moved = await curl(`http://${address}:31743/`);
    for (let attempt = 0; attempt < 50 && moved.code !== 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      moved = await curl(`http://${address}:31743/`);
    }
    expect(moved.stdout).toBe(`hello from my-app via nodePort 31743 (node ${address})\n`);
    refused(await curl(`http://${address}:31742/`));
  });

  it('takes a stopped node’s or cluster’s address away, and a deleted cluster’s bridge', async () => {
    const [server, agent] = [nodeIp('server-0'), nodeIp('agent-0')];
    const gateway = `${cluster().network.gateway}/16`;
    await dev.world.update((world) => {
      world.clusters[0]!.spec.stoppedNodes = ['agent-0'];
    });
    expect(await bridges()).toEqual({ [bridge()]: [gateway, `${server}/16`] });
    refused(await curl(`http://${server}:30999/`));
    expect((await curl(`http://${agent}:30080/`)).code).not.toBe(0);
    await dev.world.update((world) => {
      world.clusters[0]!.spec.stoppedNodes = [];
    });
    // `k3d cluster stop`: the network (and its gateway) stays, the containers' addresses go.
    const stopped = await dev.world.setRunning('my-app', false);
    expect(stopped.nodeListening).toEqual([]);
    expect(await bridges()).toEqual({ [bridge()]: [gateway] });
    expect((await curl(`http://${server}:30080/`)).code).not.toBe(0);
    await dev.world.setRunning('my-app', true);
    expect((await curl(`http://${server}:30080/`)).code).toBe(0);
    await dev.world.deleteCluster('my-app');
    expect(await bridges()).toEqual({});
    // Re-created: a new network (new id and /16), the nodes on it.
    await dev.world.load('services.json', { merge: true });
    expect(Object.keys(await bridges())).toEqual([bridge()]);
    expect((await curl(`http://${nodeIp('agent-0')}:31742/`)).code).toBe(0);
  });

  it('hands a node-address connection on a port a wildcard host port also holds to the node (--api-port 6443)', async () => {
    const loaded = await dev.world.load({
      clusters: [
        {
          name: 'edge',
          apiPort: 6443,
          ports: [
            { hostPort: 30080, containerPort: 30080, nodeFilter: 'server:0' },
            { hostPort: 9090, containerPort: 30090, nodeFilter: 'server:0' },
          ],
          services: [{ name: 'web', type: 'NodePort', port: 8080, nodePort: 30080 }],
        },
      ],
    });
    expect(loaded.errors).toEqual([]);
    const server = nodeIp('server-0', 'edge');
    expect((await curl(`http://127.0.0.1:30080/`)).stdout).toBe(
      'hello from edge via nodePort 30080 (host port 30080)\n',
    );
    expect((await curl(`http://${server}:30080/`)).stdout).toBe(
      `hello from edge via nodePort 30080 (node ${server})\n`,
    );
    for (const host of ['127.0.0.1', server]) {
      const api = await curl(`https://${host}:6443/version`, '-k', '-o', '/dev/null', '-w', '%{http_code}');
      expect(api.stdout).toBe('401'); // the API, without a client certificate
    }
    // Host port 9090 listens on all addresses, yet the node has nothing on 9090: no answer (a real node
    // refuses the SYN; when the wildcard listener took it first it can only reset).
    const nothing = await curl(`http://${server}:9090/`);
    expect(nothing.stdout).toBe('');
    expect(nothing.stderr).toMatch(/reset|refused|couldn't connect/i);
    expect((await curl('http://127.0.0.1:9090/')).code).not.toBe(0); // nginx: no upstream, closes
  });

  it('has no node addresses for a rootless engine: the containers live in rootlesskit’s namespace', async () => {
    const loaded = await dev.world.load('services-rootless.json');
    expect(loaded.nodeListening).toEqual([]);
    expect(await bridges()).toEqual({});
    fs.appendFileSync(
      path.join(dev.simHome, '.profile'),
      'export DOCKER_HOST=unix:///run/user/1000/docker.sock\n',
    );
    const listed = await client.login('k3d cluster list -o json');
    const [myApp] = JSON.parse(listed.stdout) as { nodes: K3dNodeJson[] }[];
    const address = myApp!.nodes.find((node) => node.role === 'server')!.IP.IP;
    expect(address).toBe(nodeIp('server-0'));
    expect((await client.ssh(`curl -sS --max-time 5 http://${address}:31742/`)).code).not.toBe(0);
    // The published host ports still answer.
    expect((await curl('http://127.0.0.1:8080/')).stdout).toContain('via nodePort 30080 (host port 8080)');
  });

  it('leaves no bridge behind when the dev server stops', async () => {
    await dev.world.load('services.json');
    // (services-rootless left its engine host in the world: back to the rootful socket.)
    await dev.world.update((world) => {
      delete world.engine.host;
    });
    const name = bridge();
    expect(Object.keys(await bridges())).toEqual([name]);
    const namespace = dev.netns?.name ?? '';
    await dev.stop();
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(
      new RegExp(`^${namespace}\\b`, 'm'),
    );
    expect(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(name);
  });
});

describe.skipIf(!isRoot())('no node addresses for a docker engine on another host (root only)', () => {
  it('publishes host ports on the engine host and puts no cluster bridge in the dev server', async () => {
    const dev = await startDevServer({ scenario: 'services.json', remoteEngine: true });
    try {
      const state = await dev.world.reload();
      expect(state.nodeListening).toEqual([]);
      const { stdout } = await run('ip', [
        'netns',
        'exec',
        dev.netns?.name ?? '',
        'ip',
        '-o',
        'link',
        'show',
      ]);
      expect(stdout).not.toMatch(/ br-[0-9a-f]{12}/);
    } finally {
      await dev.stop();
    }
  });
});
