// A real OpenSSH sshd for tests: its own host keys, config and authorized_keys in a temp dir, on a
// loopback port, or inside a network namespace. Tests own the process: stop() kills it by pid.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { killTree } from './sshd-kill.js';
import { currentUser, withMounts } from './sshd-mounts.js';

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface SshdOptions {
  /** Working directory for keys, config and logs (created). */
  dir: string;
  /** Address sshd listens on; default 127.0.0.1. */
  listenAddress?: string;
  /** Default: a free port on the listen address. */
  port?: number;
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string;
  /** Host key types to generate; default ['ed25519']. Existing keys in dir are reused. */
  hostKeyTypes?: KeyType[];
  /** Public key lines accepted for login. */
  authorizedKeys: string[];
  /** Environment for sessions (sshd_config SetEnv), e.g. HOME of the simulated dev-server user. */
  setEnv?: Record<string, string>;
  /** Raw extra sshd_config lines; they come first, so they override the defaults (sshd keeps the first value). */
  extraConfig?: string[];
  /**
   * The login shell sshd runs sessions with (e.g. /usr/bin/fish), root only: sshd is started in its own
   * mount namespace over a copy of /etc/passwd that says so; the machine's /etc/passwd is not touched.
   */
  loginShell?: string;
  /**
   * A PAM stack for sshd (the text of /etc/pam.d/sshd), root only: like loginShell, a private mount
   * namespace bind-mounts it over /etc/pam.d/sshd; the machine's file is not touched. Sets UsePAM yes.
   */
  pamStack?: string;
  /** Programs of this machine the dev server does not have (root only when one exists): see MountOptions. */
  hidden?: string[];
}

export interface HostKey {
  type: KeyType;
  path: string;
  /** `ssh-ed25519 AAAA…` (no comment). */
  publicKey: string;
}

export interface SshdHandle {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly hostKeys: HostKey[];
  readonly logFile: string;
  pid(): number | undefined;
  /** known_hosts line for this server: `[host]:port type base64`. */
  knownHostsLines(): string[];
  stop(): Promise<void>;
  /** Kill with a signal without waiting (fault injection). */
  kill(signal: NodeJS.Signals): void;
  /**
   * Fault: kill -9 the listener AND every process it forked for a connection (a crash or OOM kill of the
   * whole service), so established SSH connections drop too, not only new ones; resolves once they are gone.
   * restart() brings sshd back on the same address and port.
   */
  crash(): Promise<void>;
  /** Start again with the same config, keys and port. */
  restart(): Promise<void>;
}

export const SSHD_BIN = '/usr/sbin/sshd';

export function sshdAvailable(): boolean {
  return fs.existsSync(SSHD_BIN);
}

export function generateKey(file: string, type: KeyType, passphrase = '', comment = 'tunnel-test'): string {
  if (!fs.existsSync(file)) {
    const bits = type === 'rsa' ? ['-b', '3072'] : [];
    execFileSync('ssh-keygen', ['-q', '-t', type, ...bits, '-N', passphrase, '-C', comment, '-f', file]);
  }
  return fs.readFileSync(`${file}.pub`, 'utf8').trim();
}

async function freePort(host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function sshdConfig(options: SshdOptions, port: number, keys: HostKey[]): string {
  const isRoot = process.getuid?.() === 0;
  const pam = options.pamStack !== undefined;
  const lines = [
    // First, so they win: sshd keeps the first value it reads for a keyword.
    ...(options.extraConfig ?? []),
    `Port ${port}`,
    `ListenAddress ${options.listenAddress ?? '127.0.0.1'}`,
    ...keys.map((key) => `HostKey ${key.path}`),
    `PidFile ${path.join(options.dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(options.dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    pam ? 'UsePAM yes' : 'UsePAM no',
    'StrictModes no',
    // Root logs in with a password or a code only where PermitRootLogin says yes.
    isRoot ? `PermitRootLogin ${pam ? 'yes' : 'prohibit-password'}` : '',
    'AllowTcpForwarding yes',
    'PrintMotd no',
    'LogLevel VERBOSE',
    'MaxStartups 100:30:200',
    options.setEnv
      ? `SetEnv ${Object.entries(options.setEnv)
          .map(([k, v]) => `${k}="${v}"`)
          .join(' ')}`
      : '',
  ];
  return `${lines.filter((line) => line !== '').join('\n')}\n`;
}

async function waitForListening(logFile: string, child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd exited early:\n${fs.readFileSync(logFile, 'utf8')}`);
    }
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (log.includes('Server listening on')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(
    `sshd did not start listening within ${timeoutMs} ms:\n${fs.readFileSync(logFile, 'utf8')}`,
  );
}

export async function startSshd(options: SshdOptions): Promise<SshdHandle> {
  fs.mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const host = options.listenAddress ?? '127.0.0.1';
  const port = options.port ?? (options.netns ? 2222 : await freePort(host));
  const hostKeys: HostKey[] = (options.hostKeyTypes ?? ['ed25519']).map((type) => {
    const keyPath = path.join(options.dir, `ssh_host_${type}_key`);
    const publicKey = generateKey(keyPath, type, '', 'host').split(' ').slice(0, 2).join(' ');
    return { type, path: keyPath, publicKey };
  });
  fs.writeFileSync(path.join(options.dir, 'authorized_keys'), `${options.authorizedKeys.join('\n')}\n`, {
    mode: 0o600,
  });
  const configFile = path.join(options.dir, 'sshd_config');
  fs.writeFileSync(configFile, sshdConfig(options, port, hostKeys));
  const logFile = path.join(options.dir, 'sshd.log');
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    fs.writeFileSync(logFile, '');
    const sshd = [SSHD_BIN, '-D', '-f', configFile, '-E', logFile];
    const argv = withMounts(options, sshd);
    const command = options.netns ? ['ip', 'netns', 'exec', options.netns, ...argv] : argv;
    const started = spawn(command[0]!, command.slice(1), { stdio: 'ignore' });
    child = started;
    try {
      await waitForListening(logFile, started);
    } catch (error) {
      // A sshd that never reported listening is still ours to end: nobody else will know its pid.
      started.kill('SIGKILL');
      throw error;
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    host,
    port,
    user: currentUser(),
    hostKeys,
    logFile,
    pid: () => child?.pid,
    knownHostsLines: () =>
      hostKeys.map((key) => `${port === 22 ? host : `[${host}]:${port}`} ${key.publicKey}`),
    stop,
    kill: (signal) => child?.kill(signal),
    crash: async () => {
      if (child) await killTree(child);
    },
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
