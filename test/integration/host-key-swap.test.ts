// Issue 10 item 2, end to end against a real OpenSSH sshd: a dev server first seen (and recorded under
// --accept-new-host-key) with an ED25519 key comes back offering only ECDSA, the key type known_hosts
// lacks. OpenSSH calls that "REMOTE HOST IDENTIFICATION HAS CHANGED" and refuses; so must the first
// connect, the agent's background reconnect and a session restored from its record, leaving known_hosts
// byte-for-byte as it was. The real `ssh` is asked the same question for comparison.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../src/agent/process.js';
import { openConnection } from '../../src/ssh/connection.js';
import { resolveTarget } from '../../src/ssh/ssh-config.js';
import { run } from '../devserver/client.js';
import { type DevServer, startDevServer } from '../devserver/index.js';
import { generateKey, startSshd } from '../devserver/sshd.js';
import { agentPid, type CliEnv, killAgent, makeCliEnv, runCli, sshConfigVariant } from './cli-helpers.js';
import { RECOVERY_TIMEOUT_MS, type StatusSession, session } from './fault-helpers.js';

let devserver: DevServer;
let cli: CliEnv;
let sshConfig: string;
const knownHosts = () => path.join(cli.home, 'known_hosts');
const sshdDir = () => path.join(devserver.dir, 'sshd');
const LONG_TEST_MS = 120_000;

/** sshd restarted (its live connections dropped) with only an ECDSA host key: the type-swapped impostor. */
async function swapHostKeyToEcdsa(): Promise<void> {
  const ecdsa = path.join(sshdDir(), 'ssh_host_ecdsa_key');
  generateKey(ecdsa, 'ecdsa', '', 'impostor');
  const configFile = path.join(sshdDir(), 'sshd_config');
  const config = fs.readFileSync(configFile, 'utf8').replace(/^HostKey .*$/m, `HostKey ${ecdsa}`);
  fs.writeFileSync(configFile, config);
  await devserver.sshd.crash();
  await devserver.sshd.restart();
}

/** Polls `tunnel status` until the session's lastError has `code`; returns that session. */
async function lastErrorWith(code: string): Promise<StatusSession> {
  await expect
    .poll(async () => (await session(cli)).lastError?.code, { timeout: RECOVERY_TIMEOUT_MS, interval: 250 })
    .toBe(code);
  return await session(cli);
}

beforeAll(async () => {
  devserver = await startDevServer({ scenario: 'empty.json' });
  cli = makeCliEnv();
  // StrictHostKeyChecking yes in the config: only --accept-new-host-key may add the first key.
  sshConfig = sshConfigVariant(devserver, cli, { knownHosts: '' });
});

afterAll(async () => {
  if (cli) {
    await runCli(cli, ['disconnect', '--all']);
    await runCli(cli, ['agent', 'stop']);
    killAgent(cli);
    fs.rmSync(cli.home, { recursive: true, force: true });
  }
  await devserver?.stop();
});

describe('a dev server first seen with ED25519 that comes back offering only ECDSA', () => {
  it('first connect with --accept-new-host-key records the ED25519 key and forwards', async () => {
    const result = await runCli(cli, [
      '--ssh-config',
      sshConfig,
      'connect',
      'devserver',
      '--accept-new-host-key',
    ]);
    expect(result.code).toBe(0);
    const lines = fs.readFileSync(knownHosts(), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ ssh-ed25519 AAAA/);
    expect((await session(cli)).state).toBe('forwarding');
    // The flag was for that connect only: the same command without it finds the same session.
    const again = await runCli(cli, ['--ssh-config', sshConfig, 'connect', 'devserver', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).reused).toBe(true);
  });

  it(
    'the background reconnect refuses it as a host key change and leaves known_hosts untouched',
    async () => {
      const before = fs.readFileSync(knownHosts());
      await swapHostKeyToEcdsa();
      const entry = await lastErrorWith('HOST_KEY_CHANGED');
      expect(entry.state).toBe('reconnecting');
      expect(entry.lastError?.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
      expect(entry.lastError?.message).toContain(`offending ED25519 key in ${knownHosts()}:1`);
      expect(fs.readFileSync(knownHosts()).equals(before)).toBe(true);
    },
    LONG_TEST_MS,
  );

  it('a first connect under --accept-new-host-key or StrictHostKeyChecking accept-new refuses it, as ssh does', async () => {
    const before = fs.readFileSync(knownHosts());
    const flag = await runCli(cli, [
      '--ssh-config',
      sshConfig,
      'clusters',
      'devserver',
      '--accept-new-host-key',
    ]);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(flag.stderr).toContain(`offending ED25519 key in ${knownHosts()}:1`);
    const acceptNewConfig = path.join(cli.home, 'ssh_config_accept_new');
    fs.writeFileSync(
      acceptNewConfig,
      fs
        .readFileSync(sshConfig, 'utf8')
        .replace(/StrictHostKeyChecking .*/, 'StrictHostKeyChecking accept-new'),
    );
    const config = await runCli(cli, ['--ssh-config', acceptNewConfig, 'clusters', 'devserver']);
    expect(config.code).toBe(1);
    expect(config.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    // The real ssh, same server, same known_hosts: exit 255 with its warning, nothing added.
    const ssh = await run('ssh', [
      '-F',
      sshConfig,
      '-o',
      'StrictHostKeyChecking=accept-new',
      '-o',
      'BatchMode=yes',
      'devserver',
      'true',
    ]);
    expect(ssh.code).toBe(255);
    expect(ssh.stderr).toContain('WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!');
    expect(ssh.stderr).toContain(`Offending ED25519 key in ${knownHosts()}:1`);
    expect(fs.readFileSync(knownHosts()).equals(before)).toBe(true);
  });

  it(
    'with the known_hosts line gone, neither a reconnect nor a restored session trusts the now unknown key',
    async () => {
      fs.writeFileSync(knownHosts(), '');
      const reconnect = await lastErrorWith('HOST_KEY_UNKNOWN');
      expect(reconnect.lastError?.message).toMatch(/background reconnect never trusts a new key/);
      expect(fs.readFileSync(knownHosts(), 'utf8')).toBe('');
      // An agent restart restores the session from its record, here one an older release wrote with the
      // flag saved as given.
      const pid = agentPid(cli);
      killAgent(cli);
      await expect.poll(() => pid !== undefined && isAlive(pid)).toBe(false);
      const record = path.join(cli.env.TUNNEL_HOME ?? '', 'sessions', 'devserver.json');
      const saved = JSON.parse(fs.readFileSync(record, 'utf8'));
      expect(saved.options.acceptNewHostKey).toBe(false);
      saved.options.acceptNewHostKey = true;
      fs.writeFileSync(record, JSON.stringify(saved));
      const restored = await lastErrorWith('HOST_KEY_UNKNOWN');
      // A restored session that never got through is still "connecting" (retrying by itself).
      expect(['connecting', 'reconnecting']).toContain(restored.state);
      expect(restored.lastError?.message).toMatch(/background reconnect never trusts a new key/);
      expect(fs.readFileSync(knownHosts(), 'utf8')).toBe('');
    },
    LONG_TEST_MS,
  );
});

describe('a server with ED25519 and ECDSA keys, known_hosts holding only its ECDSA key', () => {
  it('negotiates the known type first (ssh order_hostkeyalgs), connects and appends nothing, as ssh does', async () => {
    const dir = fs.mkdtempSync(path.join(cli.home, 'both-keys-'));
    const clientPublic = fs.readFileSync(`${devserver.clientKeyFile}.pub`, 'utf8').trim();
    const both = await startSshd({ dir, hostKeyTypes: ['ed25519', 'ecdsa'], authorizedKeys: [clientPublic] });
    try {
      const file = path.join(dir, 'known_hosts');
      const ecdsaLine = both.knownHostsLines().find((line) => line.includes(' ecdsa-sha2-nistp256 '));
      fs.writeFileSync(file, `${ecdsaLine}\n`);
      const config = path.join(dir, 'ssh_config');
      fs.writeFileSync(
        config,
        [
          'Host both',
          `  HostName ${both.host}`,
          `  Port ${both.port}`,
          `  User ${both.user}`,
          `  IdentityFile ${devserver.clientKeyFile}`,
          '  IdentitiesOnly yes',
          '  IdentityAgent none',
          `  UserKnownHostsFile ${file}`,
          '  StrictHostKeyChecking accept-new',
          '',
        ].join('\n'),
      );
      const before = fs.readFileSync(file);
      const target = await resolveTarget('both', { configFile: config });
      const connection = await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: true } });
      try {
        expect((await connection.exec(['echo', 'ok'])).stdout).toBe('ok\n');
      } finally {
        connection.close();
        await connection.closed;
      }
      const ssh = await run('ssh', ['-F', config, '-o', 'BatchMode=yes', 'both', 'echo', 'ok']);
      expect(ssh.code).toBe(0);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    } finally {
      await both.stop();
    }
  });
});

/** An ssh config for `alias` at `server`, with the given extra options. */
function hostConfig(
  file: string,
  alias: string,
  server: { host: string; port: number; user: string },
  extra: string[],
) {
  const lines = [
    `Host ${alias}`,
    `  HostName ${server.host}`,
    `  Port ${server.port}`,
    `  User ${server.user}`,
    `  IdentityFile ${devserver.clientKeyFile}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    ...extra.map((line) => `  ${line}`),
    '',
  ];
  fs.writeFileSync(file, lines.join('\n'));
}

// CheckHostIP needs an address that is not loopback: the dev server's network namespace (root only).
describe.skipIf(process.getuid?.() !== 0)(
  'CheckHostIP yes, HostKeyAlias devbox, accept-new (as real ssh)',
  () => {
    it('records the address line like ssh, and refuses when the address holds another key type', async () => {
      const dir = fs.mkdtempSync(path.join(cli.home, 'checkhostip-'));
      const clientPublic = fs.readFileSync(`${devserver.clientKeyFile}.pub`, 'utf8').trim();
      const netns = devserver.netns;
      if (!netns) throw new Error('the dev server runs in a network namespace when root');
      const server = await startSshd({
        dir,
        netns: netns.name,
        listenAddress: netns.nsAddress,
        port: 2222,
        hostKeyTypes: ['ecdsa'],
        authorizedKeys: [clientPublic],
      });
      try {
        const file = path.join(dir, 'known_hosts');
        const config = path.join(dir, 'ssh_config');
        const options = ['HostKeyAlias devbox', 'CheckHostIP yes', 'StrictHostKeyChecking accept-new'];
        hostConfig(config, 'devbox', server, [...options, `UserKnownHostsFile ${file}`]);
        const ecdsa = server.hostKeys[0]!.publicKey;
        const ipName = `[${netns.nsAddress}]:2222`;
        const tunnel = async () => {
          const target = await resolveTarget('devbox', { configFile: config });
          const connection = await openConnection(target, { hostKeyPolicy: { acceptNewHostKey: false } });
          connection.close();
          await connection.closed;
        };
        const ssh = () => run('ssh', ['-F', config, '-o', 'BatchMode=yes', 'devbox', 'true']);

        // Host known, address new: both append the same address line.
        fs.writeFileSync(file, `devbox ${ecdsa}\n`);
        await tunnel();
        const ours = fs.readFileSync(file, 'utf8');
        fs.writeFileSync(file, `devbox ${ecdsa}\n`);
        expect((await ssh()).code).toBe(0);
        expect(ours).toBe(fs.readFileSync(file, 'utf8'));
        expect(ours).toBe(`devbox ${ecdsa}\n${ipName} ${ecdsa}\n`);

        // The address known with an ED25519 key, the server offering ECDSA: both refuse, nothing written.
        const other = generateKey(path.join(dir, 'other_ed25519'), 'ed25519')
          .split(' ')
          .slice(0, 2)
          .join(' ');
        fs.writeFileSync(file, `devbox ${ecdsa}\n${ipName} ${other}\n`);
        const before = fs.readFileSync(file);
        const refused = await tunnel().then(
          () => undefined,
          (error: { code?: string; message: string }) => error,
        );
        expect(refused?.code).toBe('HOST_KEY_CHANGED');
        expect(refused?.message).toContain(`differs from the key for the IP address '${ipName}'`);
        const real = await ssh();
        expect(real.code).toBe(255);
        expect(real.stderr).toContain(`differs from the key for the IP address '${ipName}'`);
        expect(fs.readFileSync(file).equals(before)).toBe(true);
      } finally {
        await server.stop();
      }
    });
  },
);
