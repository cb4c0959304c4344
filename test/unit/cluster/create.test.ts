import { readFileSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { createCluster } from '../../../src/cluster/create.js';
import type { ClusterEvent, ClusterSessions } from '../../../src/cluster/types.js';
import { isTunnelError, TunnelError } from '../../../src/errors.js';
import { parseCreateRequest } from '../../../src/remote/cluster-request.js';
import { parseDockerEndpoint } from '../../../src/remote/docker-endpoint.js';
import { k3dCluster } from '../../builders.js';
import { type FakeDevServerSetup, fakeDevServer } from './fake-dev-server.js';

const created = readFileSync(
  new URL('../../fixtures/k3d/create-success.stdout.txt', import.meta.url),
  'utf8',
);

/** A port nothing listens on here right now (the create checks local ports for real). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Run {
  events: ClusterEvent[];
  forwarded: string[];
  /** How many times the dev server had been closed when the agent was asked to forward. */
  closedAtForward: number[];
  /** How many times the dev server had been opened when each event arrived. */
  openedAtEvent: number[];
}

async function run(
  setup: FakeDevServerSetup,
  flags: { port?: string[]; apiHost?: string; connect?: boolean },
  agent: Partial<ClusterSessions<string>> = {},
) {
  const devServer = fakeDevServer({
    k3d: (args) => (args[1] === 'create' ? { stdout: `${created}kubectl cluster-info\n` } : {}),
    ...setup,
  });
  const seen: Run = { events: [], forwarded: [], closedAtForward: [], openedAtEvent: [] };
  const sessions: ClusterSessions<string> = {
    forward: async (name) => {
      seen.forwarded.push(name);
      seen.closedAtForward.push(devServer.closed);
      return `forwarding ${name}`;
    },
    rediscoverIntervalMs: async () => 30_000,
    refresh: async () => undefined,
    ...agent,
  };
  const request = {
    host: 'devserver',
    cluster: parseCreateRequest('my-app', { port: flags.port, apiHost: flags.apiHost }),
    bindAddress: '127.0.0.1',
    connect: flags.connect === true,
    open: devServer.open,
    sessions,
    onEvent: (event: ClusterEvent) => {
      seen.events.push(event);
      seen.openedAtEvent.push(devServer.opened);
    },
  };
  const report = createCluster(request);
  return { report, devServer, seen };
}

describe('createCluster', () => {
  it('runs k3d with the chosen API port, its INFO steps as progress, and reports the cluster', async () => {
    const port = await freePort();
    const { report, devServer, seen } = await run({}, { port: [`${port}:30080@server:0`] });
    const done = await report;
    expect(done.cluster.apiPort).toBeGreaterThanOrEqual(16443);
    const create = devServer.k3dCalls.find((args) => args[1] === 'create')!;
    expect(create.join(' ')).toContain(`--api-port 127.0.0.1:${done.cluster.apiPort}`);
    expect(done.k3d).toEqual({ version: 'v5.7.4', path: '/usr/local/bin/k3d' });
    expect(done.forward).toBeUndefined();
    expect(done.rediscoverIntervalMs).toBe(30_000);
    const kinds = seen.events.map((event) => event.kind);
    expect(kinds[0]).toBe('k3d-started');
    expect(kinds.at(-1)).toBe('k3d-finished');
    const steps = seen.events.flatMap((event) => (event.kind === 'k3d-progress' ? [event.message] : []));
    expect(steps[0]).toBe('Prep: Network');
    expect(steps).toContain("Cluster 'my-app' created successfully!");
    // Not a k3d log line: not progress.
    expect(steps).not.toContain('kubectl cluster-info');
    expect([devServer.opened, devServer.closed]).toEqual([1, 1]);
  });

  it('--connect: asks the agent to forward the new cluster once the dev server is closed', async () => {
    const { report, seen } = await run({}, { connect: true });
    const done = await report;
    expect(seen.forwarded).toEqual(['my-app']);
    expect(seen.closedAtForward).toEqual([1]);
    expect(done.forward).toBe('forwarding my-app');
    expect(done.rediscoverIntervalMs).toBeUndefined();
  });

  it('warns about an API beyond the loopback before it connects', async () => {
    const { report, devServer, seen } = await run({}, { apiHost: '0.0.0.0' });
    await report;
    expect(seen.events[0]).toMatchObject({ kind: 'warning' });
    expect((seen.events[0] as { message: string }).message).toContain(
      'the API will listen on 0.0.0.0 on devserver (every interface)',
    );
    // Said before the dev server was opened.
    expect(seen.openedAtEvent[0]).toBe(0);
    expect(devServer.opened).toBe(1);
  });

  it('--connect: a failing agent goes into the report of the created cluster, not in its place', async () => {
    const { report, devServer } = await run(
      {},
      { connect: true },
      {
        forward: async () => {
          throw new TunnelError('AGENT', 'the tunnel agent exited at start (code 1)', { hint: 'see logs' });
        },
      },
    );
    const done = await report;
    expect(done.cluster.name).toBe('my-app');
    expect(devServer.k3dCalls.some((args) => args[1] === 'create')).toBe(true);
    expect(done.forward).toBeUndefined();
    expect(done.agentFailure).toEqual({
      message: 'the tunnel agent exited at start (code 1)',
      hint: 'see logs',
      interrupted: false,
    });
  });

  it('without --connect: an agent that cannot say its interval is a warning, the create still succeeds', async () => {
    const { report, seen } = await run(
      {},
      {},
      {
        rediscoverIntervalMs: async () => {
          throw new TunnelError('AGENT', 'the agent (pid 7) did not stop within 15000 ms');
        },
      },
    );
    const done = await report;
    expect(done.cluster.name).toBe('my-app');
    expect(done.agentFailure).toBeUndefined();
    expect(done.rediscoverIntervalMs).toBeUndefined();
    expect(seen.events.at(-1)).toEqual({
      kind: 'warning',
      message: 'the agent did not answer: the agent (pid 7) did not stop within 15000 ms',
    });
  });

  it('refuses a name that exists: k3d never runs, the dev server is closed, the agent is not asked', async () => {
    const { report, devServer, seen } = await run(
      { clusters: [k3dCluster('my-app', { running: false })] },
      {
        connect: true,
      },
    );
    const error = await report.catch((caught: unknown) => caught);
    expect(isTunnelError(error) && error.message).toContain('A cluster with that name already exists');
    expect(devServer.k3dCalls.some((args) => args[1] === 'create')).toBe(false);
    expect(seen.events).toEqual([]);
    expect(seen.forwarded).toEqual([]);
    expect(devServer.closed).toBe(1);
  });

  it('names a port busy on the dev server, and creates nothing', async () => {
    const port = await freePort();
    const listeners = `LISTEN 0 4096 0.0.0.0:${port} 0.0.0.0:* users:(("nginx",pid=7,fd=6))\n`;
    const { report, devServer } = await run({ listeners }, { port: [`${port}:30080@server:0`] });
    const error = await report.catch((caught: unknown) => caught);
    expect(isTunnelError(error) && error.code).toBe('PORT');
    expect(isTunnelError(error) && error.message).toContain(
      `port ${port} (-p ${port}:30080@server:0) is already in use on devserver`,
    );
    expect(devServer.k3dCalls.some((args) => args[1] === 'create')).toBe(false);
  });

  it('a docker engine on another host: the default loopback API is refused with --api-host 0.0.0.0, nothing created', async () => {
    const engine = parseDockerEndpoint('tcp://10.0.0.5:2375');
    const { report, devServer } = await run({ engine }, {});
    await expect(report).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining("an API on 127.0.0.1 would listen on 10.0.0.5's loopback"),
      hint: expect.stringContaining('tunnel cluster create devserver my-app --api-host 0.0.0.0'),
    });
    expect(devServer.k3dCalls.some((args) => args[1] === 'create')).toBe(false);
  });

  it('a docker engine on another host: a loopback -p is refused up front like a loopback API, nothing created', async () => {
    const engine = parseDockerEndpoint('tcp://10.0.0.5:2375');
    const { report, devServer } = await run(
      { engine },
      { port: ['127.0.0.1:8080:80@loadbalancer'], apiHost: '0.0.0.0' },
    );
    await expect(report).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining(
        "-p 127.0.0.1:8080:80@loadbalancer would listen on 10.0.0.5's loopback",
      ),
      hint: expect.stringContaining('drop the address from -p'),
    });
    expect(devServer.k3dCalls.some((args) => args[1] === 'create')).toBe(false);
  });

  it("a docker engine on another host: the dev server's own busy port is no reason to refuse; the engine host is named", async () => {
    const port = await freePort();
    const listeners = `LISTEN 0 4096 0.0.0.0:${port} 0.0.0.0:* users:(("nginx",pid=7,fd=6))\n`;
    const engine = parseDockerEndpoint('tcp://10.0.0.5:2375');
    const { report } = await run(
      { listeners, engine },
      { port: [`${port}:30080@server:0`], apiHost: '0.0.0.0' },
    );
    const done = await report;
    expect(done.warnings).toContain(
      "the ports are published on 10.0.0.5 (the docker engine's host); k3d will say if one is taken",
    );
  });

  it('warns that a stopped cluster publishes the same port', async () => {
    const port = await freePort();
    const stopped = k3dCluster('old', {
      running: false,
      ports: [
        {
          containerPort: 30080,
          protocol: 'tcp',
          hostIp: '0.0.0.0',
          hostPort: port,
          nodeName: 'k3d-old-serverlb',
          nodeRole: 'loadbalancer',
          isApi: false,
        },
      ],
    });
    const { report, seen } = await run({ clusters: [stopped] }, { port: [`${port}:30080@server:0`] });
    const done = await report;
    const warning = `port ${port} is also published by the stopped cluster "old": the two cannot run at the same time`;
    expect(done.warnings).toEqual([warning]);
    expect(seen.events[0]).toEqual({ kind: 'warning', message: warning });
  });

  it('ends the progress when k3d fails, and says why', async () => {
    const failed = readFileSync(
      new URL('../../fixtures/k3d/create-name-taken.stderr.txt', import.meta.url),
      'utf8',
    );
    const { report, devServer, seen } = await run({ k3d: () => ({ stderr: failed, code: 1 }) }, {});
    await expect(report).rejects.toThrow();
    expect(seen.events.at(-1)).toEqual({ kind: 'k3d-finished' });
    expect(devServer.closed).toBe(1);
  });
});
