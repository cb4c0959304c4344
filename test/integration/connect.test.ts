// The core path end to end: the real CLI, real OpenSSH sshd, the simulated k3d dev server, real curl
// and the real kubectl through the rewritten kubeconfig.
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { schemaErrors, statusSchema } from '../schema.js';
import {
  agentPid,
  type CliEnv,
  cliEnvsPerTest,
  curl,
  kubectlGetPods,
  runCli,
  spawnCli,
} from './cli-helpers.js';

interface Forward {
  cluster: string;
  kind: 'api' | 'service';
  localPort: number;
  remotePort: number;
  nodePort: number;
  remapped?: { from: number; reason: string; heldBy?: string };
}

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'two-clusters.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

interface SessionJson {
  clusters: { name: string; forwards: Omit<Forward, 'cluster'>[] }[];
  kubeconfig: { file: string | null };
}

/** A session entry's forwards, each with its cluster's name. */
function forwardsOf(session: SessionJson): Forward[] {
  return session.clusters.flatMap((cluster) =>
    cluster.forwards.map((forward) => ({
      ...forward,
      cluster: cluster.name,
      remapped: forward.remapped ?? undefined,
    })),
  );
}

/** `connect --json`: the session's entry of the status document (checked against the schema). */
async function connectJson(cli: CliEnv, extra: string[] = []) {
  const result = await runCli(cli, [
    '--ssh-config',
    devserver.sshConfigFile,
    'connect',
    'devserver',
    '--json',
    ...extra,
  ]);
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
  const reply = JSON.parse(result.stdout) as { status: SessionJson; reused: boolean };
  expect(schemaErrors(statusSchema, reply.status, '#/$defs/session')).toEqual([]);
  return { ...reply.status, forwards: forwardsOf(reply.status) };
}

/** The forwards of the running session, as `tunnel status --json` reports them (checked against the schema). */
async function liveForwards(cli: CliEnv): Promise<Forward[]> {
  const result = await runCli(cli, ['status', 'devserver', '--json']);
  expect(result.code).toBe(0);
  const doc = JSON.parse(result.stdout) as { sessions: SessionJson[] };
  expect(schemaErrors(statusSchema, doc)).toEqual([]);
  return doc.sessions.flatMap(forwardsOf);
}

function forwardFor(forwards: Forward[], cluster: string, remotePort: number): Forward {
  const found = forwards.find((forward) => forward.cluster === cluster && forward.remotePort === remotePort);
  if (!found) throw new Error(`no forward for ${cluster}:${remotePort} in ${JSON.stringify(forwards)}`);
  return found;
}

describe('tunnel connect', () => {
  it('forwards both service ports and the API; curl and the real kubectl work through the tunnel', async () => {
    const cli = newCli();
    const table = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/my-app\s+api\s+-\s+127\.0\.0\.1:\d+\s+host port 16443/);
    expect(table.stdout).toContain('k3d-my-app@devserver');
    const forwards = await liveForwards(cli);
    const web = forwardFor(forwards, 'my-app', 8080);
    const other = forwardFor(forwards, 'my-app', 3000);
    expect((await curl(`http://127.0.0.1:${web.localPort}/`)).stdout).toContain('my-app via nodePort 30080');
    expect((await curl(`http://127.0.0.1:${other.localPort}/`)).stdout).toContain(
      'my-app via nodePort 30300',
    );
    const kubectl = await kubectlGetPods(cli, 'k3d-my-app@devserver');
    expect(kubectl.stderr).toBe('');
    expect(kubectl.code).toBe(0);
    expect(kubectl.stdout).toMatch(/^NAME\s+READY\s+STATUS/);
    // TLS is verified: the kubeconfig carries the CA, not insecure-skip-tls-verify.
    const config = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(config).toContain('certificate-authority-data');
    expect(config).not.toContain('insecure-skip-tls-verify');
    expect(fs.statSync(cli.kubeconfig).mode & 0o777).toBe(0o600);
  });

  it('remaps a busy local port, says so, and the remapped port works', async () => {
    const cli = newCli();
    const blocker = net.createServer();
    // Learn which local port the 8080 forward wants first (8080 unless something here holds it).
    const first = await connectJson(cli);
    const wanted = forwardFor(first.forwards, 'my-app', 8080).localPort;
    await runCli(cli, ['disconnect', 'devserver']);
    await new Promise<void>((resolve) => blocker.listen(wanted, '127.0.0.1', resolve));
    try {
      const result = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
      expect(result.code).toBe(0);
      // The forward wants the dev server's port, 8080; it is busy (our blocker, or another process if
      // 8080 was already taken at the first connect), so another port is chosen and the note says so.
      expect(result.stdout).toMatch(/127\.0\.0\.1:8080 is in use on this machine/);
      const web = forwardFor(await liveForwards(cli), 'my-app', 8080);
      expect(web.localPort).not.toBe(wanted);
      expect(web.remapped).toMatchObject({ from: 8080, reason: 'busy' });
      // The note names the holder whoever it is (ss sees every process as root); it is this test's own
      // process, our blocker, when 8080 was free at first.
      expect(web.remapped?.heldBy).toMatch(/\(pid \d+\)/);
      if (wanted === 8080) {
        expect(web.remapped?.heldBy).toMatch(new RegExp(`\\(pid ${process.pid}\\)`));
        expect(result.stdout).toContain(`8080 is in use on this machine by ${web.remapped?.heldBy}`);
      }
      expect((await curl(`http://127.0.0.1:${web.localPort}/`)).stdout).toContain('nodePort 30080');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('--foreground --json serves until SIGINT (stdout: one JSON document), then frees every port and exits 0', async () => {
    const cli = newCli();
    const { child, output } = spawnCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'connect',
      'devserver',
      '--foreground',
      '--json',
      '--no-kubeconfig',
      '--cluster',
      'my-app',
    ]);
    try {
      // The words for the person go to stderr: stdout is the connect document alone.
      await expect.poll(() => output().stderr, { timeout: 30_000 }).toContain('press Ctrl-C');
      const reply = JSON.parse(output().stdout) as { status: SessionJson };
      const port = forwardFor(forwardsOf(reply.status), 'my-app', 8080).localPort;
      expect((await curl(`http://127.0.0.1:${port}/`)).stdout).toContain('nodePort 30080');
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      const probe = net.createServer();
      await new Promise<void>((resolve) => probe.listen(port, '127.0.0.1', resolve));
      await new Promise((resolve) => probe.close(resolve));
      expect(fs.existsSync(cli.kubeconfig)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('disconnect frees the ports and removes only its kubeconfig entries', async () => {
    const cli = newCli();
    fs.mkdirSync(`${cli.home}/.kube`, { recursive: true });
    const other =
      'apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://prod.example:6443\ncontexts:\n- name: prod\n  context:\n    cluster: prod\n    user: prod\ncurrent-context: prod\nusers:\n- name: prod\n  user:\n    token: abc\n';
    fs.writeFileSync(cli.kubeconfig, other, { mode: 0o600 });
    const connected = await connectJson(cli);
    const web = forwardFor(connected.forwards, 'my-app', 8080);
    const merged = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(merged).toContain('k3d-my-app@devserver');
    expect(merged).toContain('current-context: prod');
    const result = await runCli(cli, ['disconnect', 'devserver']);
    expect(result.stdout).toContain('disconnected');
    const after = fs.readFileSync(cli.kubeconfig, 'utf8');
    expect(after).not.toContain('k3d-my-app@devserver');
    expect(after).toContain('prod.example');
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(web.localPort, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
  });

  it('leaves a broken kubeconfig untouched, fails clearly, and leaves no process or listener behind', async () => {
    const cli = newCli();
    fs.mkdirSync(`${cli.home}/.kube`, { recursive: true });
    const broken = 'this: [is not yaml\n';
    fs.writeFileSync(cli.kubeconfig, broken, { mode: 0o600 });
    const result = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'connect',
      'devserver',
      '--cluster',
      'my-app',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not valid YAML.*left it unchanged/);
    expect(result.stderr).toContain('hint:');
    expect(fs.readFileSync(cli.kubeconfig, 'utf8')).toBe(broken);
    expect(fs.readdirSync(`${cli.home}/.kube`)).toEqual(['config']);
    // No session survives the failure: none reported, none saved, and its ports can be bound again.
    const status = JSON.parse((await runCli(cli, ['status', '--json'])).stdout) as { sessions: unknown[] };
    expect(status.sessions).toEqual([]);
    expect(fs.existsSync(`${cli.env.TUNNEL_HOME}/sessions/devserver.json`)).toBe(false);
    // …and the agent this connect started is gone with it (no lock left, so no pid and no listener).
    expect(agentPid(cli)).toBeUndefined();
  });

  it('clusters --json lists both clusters with their mappings; kubeconfig prints a usable config', async () => {
    const cli = newCli();
    const clusters = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'clusters',
      'devserver',
      '--json',
    ]);
    expect(clusters.code).toBe(0);
    const parsed = JSON.parse(clusters.stdout);
    const names = parsed.clusters.map((cluster: { name: string }) => cluster.name).sort();
    expect(names).toEqual(['my-app', 'other']);
    const myApp = parsed.clusters.find((cluster: { name: string }) => cluster.name === 'my-app');
    expect(myApp.api.hostPort).toBe(16443);
    expect(myApp.ports.map((port: { hostPort: number }) => port.hostPort).sort()).toEqual([3000, 8080]);
    const printed = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'kubeconfig',
      'devserver',
      '--cluster',
      'my-app',
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('server: https://127.0.0.1:16443');
    expect(printed.stdout).toContain('client-key-data');
    expect(fs.existsSync(cli.kubeconfig)).toBe(false);
  });
});
