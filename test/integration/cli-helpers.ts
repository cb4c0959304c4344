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

/** The agent's pid as its lock file records it (to stop a leftover agent by pid), if there is one. */
export function agentPid(cli: CliEnv): number | undefined {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(cli.env.TUNNEL_HOME!, 'agent.lock'), 'utf8'));
    return typeof lock.pid === 'number' ? lock.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Kills this CLI env's agent by pid (SIGKILL: whatever state it is in). */
export function killAgent(cli: CliEnv): void {
  const pid = agentPid(cli);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function curl(url: string): Promise<CliResult> {
  return run('curl', ['-sS', '--max-time', '10', url]);
}

/**
 * A fresh isolated CLI environment per call; after each test every session it started is disconnected,
 * its agent stopped (and killed by pid if it did not stop), and its directory removed.
 */
export function cliEnvsPerTest(): () => CliEnv {
  const envs: CliEnv[] = [];
  afterEach(async () => {
    for (const cli of envs.splice(0)) {
      await runCli(cli, ['disconnect', '--all']);
      await runCli(cli, ['agent', 'stop']);
      killAgent(cli);
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
