// `tunnel doctor` end to end: the real CLI against the simulated dev server (real sshd, the k3d and docker
// stand-ins, the HTTPS API), a real `ssh -L` holding a local port, and the agent's own session.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, type Scenario, startDevServer } from '../devserver/index.js';
import { type SshdHandle, startSshd } from '../devserver/sshd.js';
import { type CliEnv, cliEnvsPerTest, runCli, sshConfigVariant } from './cli-helpers.js';

interface Check {
  id: string;
  title: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  hint: string | null;
}

let devserver: DevServer;
const newCli = cliEnvsPerTest();

// Host ports no other scenario uses: other suites' loopback dev servers may hold 8080, 3000, 16443 here.
const API_PORT = 26451;
const APP_PORT = 28081;
const FRONTEND_PORT = 23001;
const SCENARIO: Scenario = {
  k3dVersion: 'v5.9.0',
  clusters: [
    {
      name: 'my-app',
      servers: 1,
      agents: 1,
      running: true,
      apiPort: API_PORT,
      apiHostIp: '0.0.0.0',
      ports: [
        { hostIp: '', hostPort: APP_PORT, containerPort: 30080, nodeFilter: 'server:0' },
        { hostIp: '', hostPort: FRONTEND_PORT, containerPort: 30300, nodeFilter: 'server:0' },
      ],
      services: [
        { namespace: 'default', name: 'web', type: 'NodePort', port: 8080, nodePort: 30080 },
        { namespace: 'default', name: 'frontend', type: 'NodePort', port: 3000, nodePort: 30300 },
      ],
    },
  ],
};

beforeAll(async () => {
  devserver = await startDevServer({ scenario: SCENARIO });
});

afterAll(async () => {
  await devserver?.stop();
});

async function doctorJson(cli: CliEnv, sshConfig = devserver.sshConfigFile) {
  const result = await runCli(cli, ['--ssh-config', sshConfig, 'doctor', 'devserver', '--json']);
  const report = JSON.parse(result.stdout) as { host: string; ok: boolean; checks: Check[] };
  const check = (id: string) => report.checks.find((entry) => entry.id === id)!;
  return { code: result.code, report, check, stderr: result.stderr };
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** A real, idle `ssh -N -L 127.0.0.1:<port>:…` (an "old tunnel"); resolves once it listens. */
async function sshTunnel(port: number): Promise<ChildProcess> {
  const spec = `127.0.0.1:${port}:127.0.0.1:${port}`;
  const args = ['-F', devserver.sshConfigFile, '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes'];
  const child = spawn('ssh', [...args, '-N', '-L', spec, 'devserver'], { stdio: 'ignore' });
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (child.exitCode !== null) throw new Error(`ssh -L exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket.destroy() !== undefined));
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGTERM');
  throw new Error(`ssh -L ${spec} did not listen`);
}

describe('tunnel doctor', () => {
  it('passes every check on a healthy dev server and exits 0', async () => {
    const cli = newCli();
    const text = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'doctor', 'devserver']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('✓ docker engine');
    expect(text.stdout).toMatch(/✓ k3d +k3d v5\.9\.0/);
    expect(text.stdout).toContain(`my-app: running (1/1 servers), API port ${API_PORT}`);
    expect(text.stdout).toContain('devserver is ready for tunnel connect devserver');
    const { code, report } = await doctorJson(cli);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((check) => check.id)).toEqual([
      'ssh-config',
      'transport',
      'reachable',
      'host-key',
      'auth',
      'docker',
      'k3d',
      'clusters',
      'local-ports',
      'kube-api',
      'nodeports',
      'login-item',
    ]);
    // The CLI's own HOME has no login item: said plainly, and never a warning.
    expect(report.checks.at(-1)).toMatchObject({
      status: 'pass',
      detail: 'not set up (optional: tunnel agent install)',
    });
    // In loopback mode the dev server's own host ports are this machine's, so connect would remap them.
    const notPassed = report.checks.filter((check) => check.status !== 'pass').map((check) => check.id);
    expect(notPassed).toEqual(devserver.mode === 'loopback' ? ['local-ports'] : []);
  });

  it('fails the docker check with a hint when the engine is down, and skips what needs it', async () => {
    const cli = newCli();
    await devserver.world.setEngineRunning(false);
    try {
      const { code, report, check } = await doctorJson(cli);
      expect(code).toBe(1);
      expect(report.ok).toBe(false);
      expect(check('docker').status).toBe('fail');
      expect(check('docker').detail).toContain('Cannot connect to the Docker daemon');
      expect(check('docker').hint).toContain('systemctl start docker');
      expect(check('clusters')).toMatchObject({ status: 'skip', detail: 'needs docker engine' });
    } finally {
      await devserver.world.setEngineRunning(true);
    }
  });

  it('fails the host key check for an unknown host, and leaves known_hosts as it was', async () => {
    const cli = newCli();
    const config = sshConfigVariant(devserver, cli, { knownHosts: '' });
    const knownHosts = `${cli.home}/known_hosts`;
    const { code, check } = await doctorJson(cli, config);
    expect(code).toBe(1);
    expect(check('reachable').status).toBe('pass');
    expect(check('host-key').status).toBe('fail');
    expect(check('host-key').detail).toContain('is not in known_hosts');
    expect(check('host-key').detail).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(check('host-key').hint).toContain('--accept-new-host-key');
    expect(check('auth')).toMatchObject({ status: 'skip', detail: 'needs host key' });
    expect(fs.readFileSync(knownHosts, 'utf8')).toBe('');
  });

  it('only warns when StrictHostKeyChecking accept-new would add the key, and still adds nothing', async () => {
    const cli = newCli();
    const config = sshConfigVariant(devserver, cli, { knownHosts: '' });
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace(/StrictHostKeyChecking .*/, 'StrictHostKeyChecking accept-new'),
    );
    const { code, check } = await doctorJson(cli, config);
    expect(code).toBe(0);
    expect(check('host-key').status).toBe('warn');
    expect(check('host-key').detail).toContain(
      'tunnel connect will add it (StrictHostKeyChecking accept-new)',
    );
    expect(check('auth').status).toBe('pass');
    expect(check('clusters').status).toBe('pass');
    expect(fs.readFileSync(`${cli.home}/known_hosts`, 'utf8')).toBe('');
  });

  it('names the processes that hold local ports it would bind: an old ssh -L tunnel, a listener', async () => {
    const cli = newCli();
    if (devserver.mode === 'loopback') {
      // The dev server's host ports are this machine's: its own daemon holds them, and is named.
      const { check } = await doctorJson(cli);
      const pid = devserver.daemonPid();
      expect(check('local-ports').detail).toContain(
        `127.0.0.1:${APP_PORT} (my-app service) is held by node (pid ${pid})`,
      );
      return;
    }
    const tunnel = await sshTunnel(APP_PORT);
    const listener = await listen(FRONTEND_PORT);
    try {
      const { code, check } = await doctorJson(cli);
      expect(code).toBe(0);
      const ports = check('local-ports');
      expect(ports.status).toBe('warn');
      expect(ports.detail).toContain(
        `127.0.0.1:${APP_PORT} (my-app service) is held by an ssh -L tunnel (pid ${tunnel.pid}): ssh -F`,
      );
      expect(ports.detail).toContain(
        `127.0.0.1:${FRONTEND_PORT} (my-app service) is held by node (pid ${process.pid})`,
      );
      expect(ports.detail).toContain('tunnel connect will use another local port');
      expect(ports.hint).toContain(
        `An old ssh -L tunnel? Stop it if you no longer need it: kill ${tunnel.pid}`,
      );
    } finally {
      const exited = new Promise((resolve) => tunnel.once('exit', resolve));
      tunnel.kill('SIGTERM');
      await exited;
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('with a session running: its ports are fine, and the kube context answers through the tunnel', async () => {
    const cli = newCli();
    const connect = await runCli(cli, ['--ssh-config', devserver.sshConfigFile, 'connect', 'devserver']);
    expect(connect.code).toBe(0);
    const { code, check } = await doctorJson(cli);
    expect(code).toBe(0);
    if (devserver.mode === 'netns') {
      // (In loopback mode the session had to remap every port: the dev server's daemon holds the numbers.)
      expect(check('local-ports')).toMatchObject({ status: 'pass' });
      expect(check('local-ports').detail).toContain(
        "in use by tunnel's own session for devserver on 127.0.0.1:",
      );
    }
    expect(check('kube-api')).toMatchObject({ status: 'pass' });
    expect(check('kube-api').detail).toMatch(
      /my-app: Kubernetes v1\.31\.5\+k3s1 through 127\.0\.0\.1:\d+ \(context k3d-my-app@devserver\)/,
    );
  });
});

describe('tunnel doctor through a ProxyJump host', () => {
  let jump: SshdHandle;
  let jumpDir: string;
  beforeAll(async () => {
    jumpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-doctor-jump-'));
    const clientPublic = fs.readFileSync(`${devserver.clientKeyFile}.pub`, 'utf8').trim();
    jump = await startSshd({ dir: jumpDir, authorizedKeys: [clientPublic] });
  });
  afterAll(async () => {
    try {
      await jump?.stop();
    } finally {
      // The jump sshd's host keys, config and log: removed even when stopping it failed.
      if (jumpDir) fs.rmSync(jumpDir, { recursive: true, force: true });
    }
  });

  it('reaches, verifies and logs in to the dev server through the jump host', async () => {
    const cli = newCli();
    const knownHosts = `${[...devserver.sshd.knownHostsLines(), ...jump.knownHostsLines()].join('\n')}\n`;
    const jumpBlock = [
      'Host jumphost',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      `  User ${jump.user}`,
      `  IdentityFile ${devserver.clientKeyFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${cli.home}/known_hosts`,
      '',
    ].join('\n');
    const config = sshConfigVariant(devserver, cli, { knownHosts, extra: `\n${jumpBlock}` });
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace('Host devserver\n', 'Host devserver\n  ProxyJump jumphost\n'),
    );
    const { code, check } = await doctorJson(cli, config);
    expect(check('ssh-config').detail).toContain('via ProxyJump jumphost');
    expect(check('reachable').detail).toMatch(/through ProxyJump jumphost answers: SSH-2\.0-OpenSSH/);
    expect(check('host-key').status).toBe('pass');
    expect(check('auth').status).toBe('pass');
    expect(check('clusters').status).toBe('pass');
    expect(code).toBe(0);
    expect(fs.readFileSync(`${cli.home}/known_hosts`, 'utf8')).toBe(knownHosts);
  });

  it('with accept-new and neither host known: logs in through the jump host and records neither key', async () => {
    const cli = newCli();
    const jumpBlock = [
      'Host jumphost',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      `  User ${jump.user}`,
      `  IdentityFile ${devserver.clientKeyFile}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${cli.home}/known_hosts`,
      '  StrictHostKeyChecking accept-new',
      '',
    ].join('\n');
    const config = sshConfigVariant(devserver, cli, { knownHosts: '', extra: `\n${jumpBlock}` });
    fs.writeFileSync(
      config,
      fs
        .readFileSync(config, 'utf8')
        .replace('Host devserver\n', 'Host devserver\n  ProxyJump jumphost\n')
        .replace(/StrictHostKeyChecking yes/, 'StrictHostKeyChecking accept-new'),
    );
    const { code, check } = await doctorJson(cli, config);
    expect(check('host-key').status).toBe('warn');
    expect(check('host-key').detail).toContain(
      'tunnel connect will add it (StrictHostKeyChecking accept-new)',
    );
    expect(check('auth').status).toBe('pass');
    expect(check('clusters').status).toBe('pass');
    expect(code).toBe(0);
    expect(fs.readFileSync(`${cli.home}/known_hosts`, 'utf8')).toBe('');
  });
});
