// "The dev server is this machine" (a forward must not listen on the port it forwards to) is decided
// by the kernel boot and network namespace of both ends, not by the peer address, and by which program
// listens on the port the SSH connection reached. A VM or container reached through a port forwarded on
// 127.0.0.1 (Lima's 127.0.0.1:60022, OrbStack's 127.0.0.1:32222, docker -p 2222:22) is another network
// stack: its forwards keep the dev server's port numbers. Reproduced with the simulator in its own
// network namespace, reached through a relay on 127.0.0.1 named docker-proxy, as Docker's userland
// proxy relays a published port to a container's sshd (ss shows the process name, which is what the
// agent reads; it is the file name the program was started as).
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { isRoot } from '../devserver/netns.js';
import { twoClustersOnFreePorts } from './agent-helpers.js';
import { cliEnvsPerTest, runCli } from './cli-helpers.js';

const root = isRoot();
if (!root)
  console.warn('self-forward.test.ts: skipped: the dev server in its own network namespace needs root');

/** A TCP relay 127.0.0.1:<any> → <argv[1]>:22 that prints its port, as docker-proxy does the relaying. */
const RELAY = `const net = require('node:net');
const server = net.createServer((client) => {
  const upstream = net.connect(22, process.argv[1]);
  for (const socket of [client, upstream]) socket.on('error', () => { client.destroy(); upstream.destroy(); });
  client.pipe(upstream).pipe(client);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

let devserver: DevServer | undefined;
let relay: ChildProcess | undefined;
let relayPort = 0;
let relayDir: string | undefined;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  if (!root) return;
  devserver = await startDevServer({ scenario: 'two-clusters.json', mode: 'netns' });
  relayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-relay-'));
  const proxy = path.join(relayDir, 'docker-proxy');
  fs.symlinkSync(process.execPath, proxy);
  const child = spawn(proxy, ['-e', RELAY, devserver.host], { stdio: ['ignore', 'pipe', 'inherit'] });
  relay = child;
  relayPort = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the relay exited (${code})`)));
    child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
});

afterAll(async () => {
  const child = relay;
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(child.pid, 'SIGTERM');
    await exited;
  }
  if (relayDir) fs.rmSync(relayDir, { recursive: true, force: true });
  await devserver?.stop();
});

type ConnectReply = {
  status: {
    clusters: {
      forwards: { localPort: number; remotePort: number; remapped?: { reason: string } | null }[];
    }[];
  };
};

async function connectForwards(configFile: string, alias: string) {
  const cli = newCli();
  const result = await runCli(cli, [
    '--ssh-config',
    configFile,
    'connect',
    alias,
    '--json',
    '--no-kubeconfig',
  ]);
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as ConnectReply).status.clusters.flatMap((cluster) => cluster.forwards);
}

describe("this machine's own sshd on 127.0.0.1", () => {
  it('is still caught: no forward listens on the port it forwards to', async () => {
    const { scenario } = await twoClustersOnFreePorts();
    const local = await startDevServer({ scenario, mode: 'loopback' });
    try {
      const forwards = await connectForwards(local.sshConfigFile, 'devserver');
      expect(forwards.length).toBeGreaterThan(0);
      for (const forward of forwards) {
        expect(forward.remapped?.reason).toBe('self');
        expect(forward.localPort).not.toBe(forward.remotePort);
      }
    } finally {
      await local.stop();
    }
  });
});

describe('a dev server in another network stack, reached on 127.0.0.1', () => {
  it.skipIf(!root)('keeps the dev server port numbers (no "self" remap)', async () => {
    const server = devserver as DevServer;
    const port = relayPort;
    // The VM's host key is known under its own name (HostKeyAlias), as a Lima user's config says.
    const config = fs
      .readFileSync(server.sshConfigFile, 'utf8')
      .replace(/^ {2}HostName .*$/m, '  HostName 127.0.0.1')
      .replace(/^ {2}Port .*$/m, `  Port ${port}\n  HostKeyAlias ${server.host}`)
      .replace(/^Host devserver$/m, 'Host lima');
    const configFile = path.join(path.dirname(server.sshConfigFile), 'ssh_config_lima');
    fs.writeFileSync(configFile, config);
    const forwards = await connectForwards(configFile, 'lima');
    expect(forwards.length).toBeGreaterThan(0);
    // Another suite may hold one of these ports here ("busy"); never "self".
    expect(forwards.filter((forward) => forward.remapped?.reason === 'self')).toEqual([]);
    const kept = forwards.filter((forward) => !forward.remapped);
    expect(kept.length).toBeGreaterThan(0);
    for (const forward of kept) expect(forward.localPort).toBe(forward.remotePort);
  });
});
