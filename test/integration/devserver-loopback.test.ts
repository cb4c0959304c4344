// The simulator's loopback mode (used where tests cannot be root): sshd on a free 127.0.0.1 port and the
// dev server's host ports bound on this machine's loopback only. Ports are picked free at run time, because
// in this mode the simulated host ports ARE local ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServerClient, devServerClient, freePort, run } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';

let dev: DevServer;
let client: DevServerClient;
let apiPort: number;
let webPort: number;

beforeAll(async () => {
  apiPort = await freePort();
  webPort = await freePort();
  dev = await startDevServer({
    mode: 'loopback',
    scenario: {
      clusters: [
        {
          name: 'lo',
          apiPort,
          ports: [{ hostPort: webPort, containerPort: 30080, nodeFilter: 'server:0' }],
          services: [{ name: 'web', port: 80, nodePort: 30080 }],
        },
      ],
    },
  });
  client = devServerClient(dev);
});

afterAll(async () => {
  client?.closeAll();
  await dev?.stop();
});

describe('dev-server simulator in loopback mode', () => {
  it('runs sshd on loopback and binds the published ports to 127.0.0.1 only', async () => {
    expect(dev.host).toBe('127.0.0.1');
    expect(dev.netns).toBeUndefined();
    const listening = (await run('ss', ['-Hltn'])).stdout;
    expect(listening).toMatch(new RegExp(`127\\.0\\.0\\.1:${webPort}\\s`));
    expect(listening).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${webPort}\\s`));
    const hello = await run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${webPort}/`]);
    expect(hello.stdout).toBe(`hello from lo via nodePort 30080 (host port ${webPort})\n`);
  });

  it('answers k3d through a login shell, with the same world', async () => {
    const [cluster] = JSON.parse((await client.login('k3d cluster get lo -o json')).stdout);
    expect(cluster.serverLoadBalancer.portMappings['30080/tcp']).toEqual([
      { HostIp: '', HostPort: String(webPort) },
    ]);
    expect((await client.ssh('k3d version')).code).toBe(127);
  });
});
