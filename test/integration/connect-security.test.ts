// What must never happen, checked end to end with the real CLI and real sshd: a changed host key
// accepted, an unknown host trusted without anyone asking, a remote cluster name run by a shell.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { generateKey, type SshdHandle, startSshd } from '../devserver/sshd.js';
import { type CliEnv, cliEnvsPerTest, curl, runCli, sshConfigVariant } from './cli-helpers.js';

let devserver: DevServer;
const newCli = cliEnvsPerTest();

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'hostile-name.json' });
});

afterAll(async () => {
  await devserver?.stop();
});

/** A copy of the simulator's ssh config with its known_hosts file swapped for `knownHosts`. */
const configWithKnownHosts = (cli: CliEnv, knownHosts: string, extra = '') =>
  sshConfigVariant(devserver, cli, { knownHosts, extra });

describe('host keys', () => {
  it('refuses a changed host key, naming the known_hosts line and the new fingerprint', async () => {
    const cli = newCli();
    const impostor = generateKey(path.join(cli.home, 'impostor'), 'ed25519');
    const hostPattern = devserver.sshd.knownHostsLines()[0]!.split(' ')[0];
    const config = configWithKnownHosts(
      cli,
      `# first line\n${hostPattern} ${impostor.split(' ').slice(0, 2).join(' ')}\n`,
    );
    const result = await runCli(cli, ['--ssh-config', config, 'clusters', 'devserver']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/known_hosts:2/);
    expect(result.stderr).toMatch(/SHA256:[A-Za-z0-9+/]{43}/);
    expect(result.stderr).toContain('hint:');
  });

  it('refuses an unknown host when there is no terminal to ask', async () => {
    const cli = newCli();
    const config = configWithKnownHosts(cli, '');
    const result = await runCli(cli, ['--ssh-config', config, 'clusters', 'devserver']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not in known_hosts/);
    expect(result.stderr).toContain('--accept-new-host-key');
    expect(fs.readFileSync(path.join(cli.home, 'known_hosts'), 'utf8')).toBe('');
  });

  it('--accept-new-host-key records the key, and the next run trusts it', async () => {
    const cli = newCli();
    const config = configWithKnownHosts(cli, '');
    const first = await runCli(cli, [
      '--ssh-config',
      config,
      'clusters',
      'devserver',
      '--accept-new-host-key',
    ]);
    expect(first.code).toBe(0);
    expect(fs.readFileSync(path.join(cli.home, 'known_hosts'), 'utf8')).toContain('ssh-ed25519');
    const second = await runCli(cli, ['--ssh-config', config, 'clusters', 'devserver']);
    expect(second.code).toBe(0);
  });
});

describe('ProxyJump', () => {
  let jump: SshdHandle;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-jump-'));
    const clientPublic = fs.readFileSync(`${devserver.clientKeyFile}.pub`, 'utf8').trim();
    jump = await startSshd({ dir, authorizedKeys: [clientPublic] });
  });
  afterAll(async () => {
    try {
      await jump?.stop();
    } finally {
      // The jump host's keys, config and log: tests leave nothing in /tmp, even when stopping it failed.
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reaches the dev server through a second sshd and forwards through it', async () => {
    const cli = newCli();
    const known = [...devserver.sshd.knownHostsLines(), ...jump.knownHostsLines()].join('\n');
    const extra = `\nHost jumphost\n  HostName 127.0.0.1\n  Port ${jump.port}\n  User ${jump.user}\n  IdentityFile ${devserver.clientKeyFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${path.join(cli.home, 'known_hosts')}\n`;
    const config = configWithKnownHosts(cli, `${known}\n`, extra).replace(/$/, '');
    const text = fs
      .readFileSync(config, 'utf8')
      .replace(/Host devserver\n/, 'Host devserver\n  ProxyJump jumphost\n');
    fs.writeFileSync(config, text);
    const result = await runCli(cli, [
      '--ssh-config',
      config,
      'connect',
      'devserver',
      '--json',
      '--cluster',
      'my-app',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { status } = JSON.parse(result.stdout) as {
      status: { clusters: { forwards: { kind: string; localPort: number }[] }[] };
    };
    const forwards = status.clusters.flatMap((cluster) => cluster.forwards);
    const service = forwards.find((forward) => forward.kind === 'service')!;
    expect((await curl(`http://127.0.0.1:${service.localPort}/`)).stdout).toContain('hello from my-app');
    // The dev server saw the connection come from the jump host's side, proving the hop was used.
    expect(fs.readFileSync(jump.logFile, 'utf8')).toMatch(/direct-tcpip|Accepted publickey/);
  });
});

describe('hostile cluster names', () => {
  it('never lets a shell run `x; touch /tmp/pwned` while listing, forwarding and writing kubeconfig', async () => {
    fs.rmSync('/tmp/pwned', { force: true });
    const cli = newCli();
    const listed = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'clusters',
      'devserver',
      '--json',
    ]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).clusters.map((c: { name: string }) => c.name)).toContain(
      'x; touch /tmp/pwned',
    );
    const connected = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'connect',
      'devserver',
      '--json',
    ]);
    expect(connected.code).toBe(0);
    const printed = await runCli(cli, [
      '--ssh-config',
      devserver.sshConfigFile,
      'kubeconfig',
      'devserver',
      '--cluster',
      'x; touch /tmp/pwned',
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('k3d-x; touch /tmp/pwned@devserver');
    expect(fs.existsSync('/tmp/pwned')).toBe(false);
  });
});
