// The background agent through the real CLI (bin/tunnel.js → dist/): one agent per state directory,
// sessions started, reused, replaced and stopped through it, `status` as a user and a script read it,
// stop/start with saved sessions, replacement of an agent of another version, its log, and saved
// settings. Real OpenSSH sshd on loopback and the simulated k3d dev server; every local port is read
// from the tool's output, never assumed (the dev server's own ports are this machine's in loopback mode).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import {
  agentInfo,
  agentProcesses,
  bindFree,
  type ForwardJson,
  forwardsOf,
  localPorts,
  OLD_AGENT,
  type SessionJson,
  session,
  sshConfigWithTwoAliases,
  status,
  twoClustersOnFreePorts,
} from './agent-helpers.js';
import { BIN, type CliEnv, cliEnvsPerTest, curl, runCli, spawnCli } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();
/** two-clusters.json's dev-server port → the port it is published on in this run. */
let published = new Map<number, number>();
const remote = (port: number): number => published.get(port)!;

beforeAll(async () => {
  const moved = await twoClustersOnFreePorts();
  published = moved.published;
  devserver = await startDevServer({ scenario: moved.scenario, mode: 'loopback' });
});

afterAll(async () => {
  await devserver?.stop();
});

const sshConfigFor = (cli: CliEnv) => sshConfigWithTwoAliases(devserver, cli);

async function connect(cli: CliEnv, host: string, extra: string[] = []) {
  const result = await runCli(cli, ['--ssh-config', sshConfigFor(cli), 'connect', host, ...extra]);
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
  return result;
}

/** The forward of `cluster` to `remotePort` (two-clusters.json's number for the scenario's clusters). */
function forward(entry: SessionJson, cluster: string, remotePort: number): ForwardJson {
  const port = published.get(remotePort) ?? remotePort;
  const found = entry.clusters
    .find((candidate) => candidate.name === cluster)
    ?.forwards.find((candidate) => candidate.remotePort === port);
  if (!found) throw new Error(`no forward ${cluster}:${remotePort} in ${JSON.stringify(entry.clusters)}`);
  return found;
}

describe('tunnel agent: one per user, shared by sessions', () => {
  it('connect starts exactly one agent, and later connects (another host, the same host) reuse it', async () => {
    const cli = newCli();
    expect(await agentInfo(cli)).toMatchObject({ running: false, pid: null });
    expect(agentProcesses(cli)).toEqual([]);
    await connect(cli, 'devserver');
    const agent = await agentInfo(cli);
    expect(agent).toMatchObject({ running: true, version: expect.any(String), sessions: ['devserver'] });
    expect(agentProcesses(cli)).toEqual([agent.pid]);

    await connect(cli, 'devserver2', ['--cluster', 'my-app', '--no-kubeconfig']);
    expect(await agentInfo(cli)).toMatchObject({ pid: agent.pid, sessions: ['devserver', 'devserver2'] });
    const both = await status(cli);
    expect(both.sessions.map((entry) => [entry.host, entry.state])).toEqual([
      ['devserver', 'forwarding'],
      ['devserver2', 'forwarding'],
    ]);
    // Two sessions to one server: each has its own local ports.
    const first = new Set(Object.values(localPorts(both.sessions[0]!)));
    expect(Object.values(localPorts(both.sessions[1]!)).filter((port) => first.has(port))).toEqual([]);
    expect(agentProcesses(cli)).toEqual([agent.pid]);
  });

  it('the same host with the same options is "already forwarding" and left as it was', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const before = await session(cli);
    const pid = (await agentInfo(cli)).pid;
    const again = await connect(cli, 'devserver');
    expect(again.stdout).toContain(`already forwarding in the background (agent pid ${pid})`);
    const after = await session(cli);
    expect(after.connectedAt).toBe(before.connectedAt);
    expect(localPorts(after)).toEqual(localPorts(before));
    expect(after.reconnectCount).toBe(0);
    expect(agentProcesses(cli)).toEqual([pid]);
  });

  it('the same host with other options replaces the session: the dropped cluster is gone everywhere', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const before = await session(cli);
    const otherPorts = before.clusters.find((cluster) => cluster.name === 'other')!.forwards;
    expect(otherPorts.length).toBeGreaterThan(0);
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toContain('k3d-other@devserver');

    const replaced = await connect(cli, 'devserver', ['--cluster', 'my-app']);
    expect(replaced.stdout).toMatch(/^forwarding in the background/m);
    const after = await session(cli);
    expect(after.clusters.map((cluster) => cluster.name)).toEqual(['my-app']);
    expect(after.state).toBe('forwarding');
    for (const gone of otherPorts) await bindFree(gone.localPort);
    // Its kube context pointed at a port that is closed now: it must not be left behind.
    const config = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(config).toContain('k3d-my-app@devserver');
    expect(config).not.toContain('k3d-other@devserver');
    const web = forward(after, 'my-app', 8080);
    expect((await curl(`http://127.0.0.1:${web.localPort}/`)).stdout).toContain('nodePort 30080');
    // Replaced by a session that writes no kubeconfig: nothing is left pointing at the old ports.
    await connect(cli, 'devserver', ['--cluster', 'my-app', '--no-kubeconfig']);
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).not.toContain('k3d-my-app@devserver');
  });
  it('a replacement that fails (a cluster name typo) brings the working session back on its ports', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const before = forward(await session(cli), 'my-app', 8080);
    const typo = await runCli(cli, [
      '--ssh-config',
      sshConfigFor(cli),
      'connect',
      'devserver',
      '--cluster',
      'my-ap',
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('There is no k3d cluster named "my-ap"');
    expect(typo.stderr).toContain('The previous session for devserver was restored');
    await expect.poll(async () => (await session(cli)).state, { timeout: 20_000 }).toBe('forwarding');
    const after = await session(cli);
    expect(forward(after, 'my-app', 8080).localPort).toBe(before.localPort);
    expect(after.clusters.map((cluster) => cluster.name)).toEqual(['my-app', 'other']);
    expect((await curl(`http://127.0.0.1:${before.localPort}/`)).stdout).toContain('nodePort 30080');
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toContain('k3d-other@devserver');
  });
});

describe('tunnel status', () => {
  it('--json documents every session, cluster and forward; the table shows the same', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const doc = await status(cli);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.agent?.pid).toBe((await agentInfo(cli)).pid);
    expect(doc.sessions).toHaveLength(1);
    const entry = doc.sessions[0]!;
    expect(entry).toMatchObject({ host: 'devserver', hostName: '127.0.0.1', state: 'forwarding' });
    expect(entry.clusters.map((cluster) => [cluster.name, cluster.context])).toEqual([
      ['my-app', 'k3d-my-app@devserver'],
      ['other', 'k3d-other@devserver'],
    ]);
    const rows = entry.clusters.map((cluster) =>
      cluster.forwards.map((item) => [item.kind, item.remotePort, item.nodePort, item.state]),
    );
    // The API first, then the services by dev-server port.
    const services = [
      [remote(3000), 30300],
      [remote(8080), 30080],
    ].sort((a, b) => a[0]! - b[0]!);
    expect(rows).toEqual([
      [['api', remote(16443), 6443, 'ok'], ...services.map(([port, node]) => ['service', port, node, 'ok'])],
      [
        ['api', remote(16444), 6443, 'ok'],
        ['service', remote(9090), 30090, 'ok'],
      ],
    ]);
    for (const item of forwardsOf(entry)) {
      expect(item.localAddress).toBe('127.0.0.1');
      expect(Number.isInteger(item.localPort) && item.localPort > 0).toBe(true);
      expect(item.remote.answers).toBe(true);
    }

    const table = await runCli(cli, ['status']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^devserver \(127\.0\.0\.1\) {2}forwarding/m);
    for (const item of forwardsOf(entry)) {
      const local = `127\\.0\\.0\\.1:${item.localPort}`;
      // VIA: the dev server's port, and the nodePort behind a mapped Service.
      const via = `host port ${item.remotePort}(\\s+→ nodePort ${item.nodePort})?`;
      expect(table.stdout).toMatch(new RegExp(`${item.kind}\\s+\\S+\\s+${local}\\s+${via}\\s+ok`));
    }
  });

  it('counts a connection made through a forward: total, bytes and last activity change', async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app']);
    const before = forward(await session(cli), 'my-app', 8080);
    expect(before).toMatchObject({ total: 0, bytesIn: 0, bytesOut: 0, lastActivityAt: null });
    const reply = await curl(`http://127.0.0.1:${before.localPort}/`);
    expect(reply.stdout).toContain('hello from my-app via nodePort 30080');
    await expect.poll(async () => forward(await session(cli), 'my-app', 8080).open).toBe(0);
    const after = forward(await session(cli), 'my-app', 8080);
    expect(after.total).toBe(1);
    expect(after.bytesIn).toBeGreaterThanOrEqual(Buffer.byteLength(reply.stdout));
    expect(after.bytesOut).toBeGreaterThan(0);
    expect(after.lastActivityAt).not.toBeNull();
    // Only the forward that was used moved.
    expect(forward(await session(cli), 'my-app', 3000).total).toBe(0);
  });

  it('fails for a host without a session, naming the sessions and the command to start one', async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app', '--no-kubeconfig']);
    const result = await runCli(cli, ['status', 'staging']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('no session for staging. Sessions: devserver.');
    expect(result.stderr).toContain('hint: Start one with: tunnel connect staging');
  });

  it('--watch draws the status on a terminal-less stdout and exits 0 on Ctrl-C', async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app', '--no-kubeconfig']);
    const { child, output } = spawnCli(cli, ['status', '--watch']);
    try {
      // Change-driven (status-watch.test.ts follows the updates): an idle session draws its first frame.
      const frames = () => output().stdout.split('tunnel status — live, updated').length - 1;
      await expect.poll(frames, { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
      expect(output().stdout).toMatch(/devserver \(127\.0\.0\.1\) {2}forwarding/);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output().stderr).toBe('');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('shows a forward whose dev-server end refuses as refused, with the error', async () => {
    const cli = newCli();
    // A cluster whose published port is bound to 127.0.0.2 on the dev server, where nothing listens
    // (the simulator binds loopback mode's ports to 127.0.0.1): sshd's connect there is refused.
    const [apiPort, hostPort] = [await freePort(), await freePort()];
    await devserver.world.load(
      {
        clusters: [
          {
            name: 'unreachable',
            apiPort,
            ports: [{ hostIp: '127.0.0.2', hostPort, containerPort: 30095, nodeFilter: 'server:0:direct' }],
            services: [{ name: 'web', port: 80, nodePort: 30095 }],
          },
        ],
      },
      { merge: true },
    );
    try {
      await connect(cli, 'devserver', ['--cluster', 'unreachable', '--no-kubeconfig']);
      const entry = await session(cli);
      expect(entry.state).toBe('forwarding');
      expect(forward(entry, 'unreachable', apiPort)).toMatchObject({
        state: 'ok',
        remote: { answers: true },
      });
      const refused = forward(entry, 'unreachable', hostPort);
      expect(refused).toMatchObject({
        state: 'refused',
        remoteHost: '127.0.0.2',
        remote: { answers: false, error: expect.stringContaining(`127.0.0.2:${hostPort}`) },
      });
      expect(refused.remote.error).toMatch(/refused/i);
      const table = await runCli(cli, ['status']);
      expect(table.stdout).toMatch(
        new RegExp(`host port 127\\.0\\.0\\.2:${hostPort}(\\s+→ nodePort 30095)?\\s+refused`),
      );
      // A client is closed rather than left hanging, and counted.
      const attempt = await curl(`http://127.0.0.1:${refused.localPort}/`);
      expect(attempt.code).not.toBe(0);
      const after = forward(await session(cli), 'unreachable', hostPort);
      expect(after).toMatchObject({
        state: 'refused',
        failed: 1,
        lastError: expect.stringMatching(/refused/i),
      });
    } finally {
      await devserver.world.update((world) => {
        world.clusters = world.clusters.filter((cluster) => cluster.name !== 'unreachable');
      });
    }
  });
});

describe('tunnel disconnect', () => {
  it('frees every port at once and removes the kube contexts it wrote', async () => {
    const cli = newCli();
    await connect(cli, 'devserver');
    const ports = Object.values(localPorts(await session(cli)));
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toContain('k3d-my-app@devserver');
    const result = await runCli(cli, ['disconnect', 'devserver']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `devserver: disconnected; removed k3d-my-app@devserver, k3d-other@devserver from ${cli.kubeconfig}\n`,
    );
    for (const port of ports) await bindFree(port);
    const config = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(config).not.toContain('k3d-my-app@devserver');
    expect(config).not.toContain('k3d-other@devserver');
    expect((await status(cli)).sessions).toEqual([]);
  });

  it('--keep-kubeconfig leaves the contexts in place', async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app']);
    const result = await runCli(cli, ['disconnect', 'devserver', '--keep-kubeconfig']);
    expect(result).toMatchObject({ code: 0, stdout: 'devserver: disconnected\n' });
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toContain('k3d-my-app@devserver');
  });

  it('a host that is not connected: exits 0 and says so, with or without an agent', async () => {
    const cli = newCli();
    expect(await runCli(cli, ['disconnect', 'devserver'])).toMatchObject({
      code: 0,
      stdout: 'devserver is not connected\n',
    });
    expect(agentProcesses(cli)).toEqual([]);
    await connect(cli, 'devserver2', ['--cluster', 'my-app', '--no-kubeconfig']);
    expect(await runCli(cli, ['disconnect', 'devserver'])).toMatchObject({
      code: 0,
      stdout: 'devserver is not connected\n',
    });
    expect((await status(cli)).sessions.map((entry) => entry.host)).toEqual(['devserver2']);
  });
});

describe('tunnel agent stop / start', () => {
  it('stop frees everything and keeps the session saved; status does not restart it; start restores it', async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app']);
    const before = await session(cli);
    const { pid } = await agentInfo(cli);
    const stopped = await runCli(cli, ['agent', 'stop']);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`agent stopped (pid ${pid}); devserver saved`);
    expect(agentProcesses(cli)).toEqual([]);
    for (const port of Object.values(localPorts(before))) await bindFree(port);
    expect(fs.existsSync(path.join(cli.env.TUNNEL_HOME!, 'sessions', 'devserver.json'))).toBe(true);

    const quiet = await runCli(cli, ['status']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('the tunnel agent is not running');
    expect(await status(cli)).toEqual({ schemaVersion: 1, agent: null, sessions: [] });
    expect(await agentInfo(cli)).toMatchObject({ running: false });
    expect(agentProcesses(cli)).toEqual([]);

    const started = await runCli(cli, ['agent', 'start']);
    expect(started.code).toBe(0);
    const newPid = Number(/agent started \(pid (\d+)\)/.exec(started.stdout)?.[1]);
    expect(agentProcesses(cli)).toEqual([newPid]);
    await expect.poll(async () => (await session(cli)).state, { timeout: 20_000 }).toBe('forwarding');
    const restored = await session(cli);
    expect(localPorts(restored)).toEqual(localPorts(before));
    const web = forward(restored, 'my-app', 8080);
    expect((await curl(`http://127.0.0.1:${web.localPort}/`)).stdout).toContain('nodePort 30080');

    const forgotten = await runCli(cli, ['disconnect', '--all']);
    expect(forgotten.stdout).toMatch(/^devserver: disconnected/);
    expect(fs.readdirSync(path.join(cli.env.TUNNEL_HOME!, 'sessions'))).toEqual([]);
    expect(await runCli(cli, ['agent', 'stop'])).toMatchObject({ code: 0 });
    expect((await runCli(cli, ['agent', 'start'])).code).toBe(0);
    expect((await status(cli)).sessions).toEqual([]);
  });
});

describe('tunnel agent of another version', () => {
  it('connect replaces it, says so, and the new agent runs the CLI version', async () => {
    const cli = newCli();
    const { socketPath, running } = await agentInfo(cli);
    expect(running).toBe(false);
    const script = path.join(cli.home, 'old-agent.mjs');
    fs.writeFileSync(script, OLD_AGENT);
    const lockFile = path.join(cli.env.TUNNEL_HOME!, 'agent.lock');
    const old: ChildProcess = spawn(process.execPath, [script, socketPath, lockFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const oldExit = new Promise<number | null>((resolve) => old.once('exit', resolve));
    try {
      await new Promise((resolve) => old.stdout!.once('data', resolve));
      const cliVersion = (await runCli(cli, ['--version'])).stdout.trim();

      const result = await runCli(cli, [
        '--ssh-config',
        sshConfigFor(cli),
        'connect',
        'devserver',
        '--cluster',
        'my-app',
        '--no-kubeconfig',
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`note: replaced the running agent 0.0.1 with ${cliVersion}`);
      expect(await oldExit).toBe(0);
      const agent = await agentInfo(cli);
      expect(agent).toMatchObject({ running: true, version: cliVersion, sessions: ['devserver'] });
      expect(agent.pid).not.toBe(old.pid);
      expect(agentProcesses(cli)).toEqual([agent.pid]);
    } finally {
      if (old.exitCode === null && old.signalCode === null) old.kill('SIGKILL');
    }
  });
});

describe('tunnel logs', () => {
  it("shows a session's own lines for its host, and agent-wide lines without one", async () => {
    const cli = newCli();
    await connect(cli, 'devserver', ['--cluster', 'my-app', '--no-kubeconfig']);
    const hostLines = await runCli(cli, ['logs', 'devserver']);
    expect(hostLines.code).toBe(0);
    expect(hostLines.stdout).toMatch(/INFO +devserver +forwards changed \(connect\)/);
    expect(hostLines.stdout).toMatch(/INFO +devserver +session forwarding/);
    expect(hostLines.stdout).not.toContain('agent started');
    const all = await runCli(cli, ['logs']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/INFO +- +agent started/);
    expect(all.stdout).toContain('session forwarding');
  });
});

describe('files named on the command line', () => {
  it('relative --ssh-config and --kubeconfig are read where the command ran, not where the agent runs', async () => {
    const cli = newCli();
    fs.copyFileSync(sshConfigFor(cli), path.join(cli.home, 'my_ssh_config'));
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const args = ['--ssh-config', 'my_ssh_config', 'connect', 'devserver', '--cluster', 'my-app'];
      execFile(
        process.execPath,
        [BIN, ...args, '--kubeconfig', 'dev.yaml'],
        { env: cli.env, cwd: cli.home, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(fs.readFileSync(path.join(cli.home, 'dev.yaml'), 'utf8')).toContain('k3d-my-app@devserver');
    expect((await session(cli)).state).toBe('forwarding');
  });
});

describe('saved settings', () => {
  it('connect --save remembers --cluster: a later plain connect forwards only that cluster', async () => {
    const cli = newCli();
    const saved = await connect(cli, 'devserver', ['--cluster', 'my-app', '--save']);
    expect(saved.stderr).toContain('saved cluster for devserver in ');
    expect((await runCli(cli, ['disconnect', 'devserver'])).code).toBe(0);
    await connect(cli, 'devserver');
    const entry = await session(cli);
    expect(entry.clusters.map((cluster) => cluster.name)).toEqual(['my-app']);
    expect(await runCli(cli, ['config', 'get', 'devserver', 'cluster'])).toMatchObject({
      code: 0,
      stdout: 'my-app\n',
    });
  });
});
