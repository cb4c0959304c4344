// Runs the real CLI (bin/tunnel.js → dist/) as a user would, in an isolated HOME/TUNNEL_HOME/KUBECONFIG.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { run } from '../devserver/client.js';
import type { DevServer } from '../devserver/index.js';

export { run };

export const BIN = fileURLToPath(new URL('../../bin/tunnel.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  home: string;
  env: NodeJS.ProcessEnv;
  kubeconfig: string;
}

export function makeCliEnv(): CliEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-cli-'));
  const kubeconfig = path.join(home, '.kube', 'config');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    TUNNEL_HOME: path.join(home, 'tunnel-state'),
    KUBECONFIG: kubeconfig,
  };
  return { home, env, kubeconfig };
}

export function runCli(cli: CliEnv, args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: cli.env, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Starts the CLI without waiting for it (for --foreground); the caller stops it by pid. */
export function spawnCli(cli: CliEnv, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: cli.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return { child, output: () => ({ stdout, stderr }) };
}

/** Every session pid recorded under this CLI env's state dir (to stop leftovers by pid). */
export function recordedPids(cli: CliEnv): number[] {
  const dir = path.join(cli.env.TUNNEL_HOME!, 'sessions');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')).pid as number);
}

export function killRecorded(cli: CliEnv): void {
  for (const pid of recordedPids(cli)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

export function curl(url: string): Promise<CliResult> {
  return run('curl', ['-sS', '--max-time', '10', url]);
}

/**
 * A fresh isolated CLI environment per call; after each test every session it started is disconnected,
 * any leftover session process killed by pid, and its directory removed.
 */
export function cliEnvsPerTest(): () => CliEnv {
  const envs: CliEnv[] = [];
  afterEach(async () => {
    for (const cli of envs.splice(0)) {
      await runCli(cli, ['disconnect', '--all']);
      killRecorded(cli);
      fs.rmSync(cli.home, { recursive: true, force: true });
    }
  });
  return () => {
    const cli = makeCliEnv();
    envs.push(cli);
    return cli;
  };
}

export interface SshConfigVariant {
  knownHosts: string;
  strictHostKeyChecking?: 'yes' | 'ask';
  extra?: string;
}

/** A copy of the simulator's ssh config in the CLI's home with its own known_hosts (and options). */
export function sshConfigVariant(devserver: DevServer, cli: CliEnv, variant: SshConfigVariant): string {
  const knownHostsFile = path.join(cli.home, 'known_hosts');
  fs.writeFileSync(knownHostsFile, variant.knownHosts);
  let config = fs
    .readFileSync(devserver.sshConfigFile, 'utf8')
    .replace(/UserKnownHostsFile .*/g, `UserKnownHostsFile ${knownHostsFile}`);
  if (variant.strictHostKeyChecking) {
    config = config.replace(
      /StrictHostKeyChecking .*/g,
      `StrictHostKeyChecking ${variant.strictHostKeyChecking}`,
    );
  }
  const file = path.join(cli.home, 'ssh_config');
  fs.writeFileSync(file, config + (variant.extra ?? ''));
  return file;
}
