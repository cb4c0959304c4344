// Runs the real CLI (bin/tunnel.js → dist/) as a user would, in an isolated HOME/TUNNEL_HOME/KUBECONFIG; the
// runner-free part (shared with the bench) is cli-process.ts, re-exported here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach } from 'vitest';
import { run } from '../devserver/client.js';
import type { DevServer } from '../devserver/index.js';

import { agentPid, BIN, type CliEnv, type CliResult, makeCliEnv, runCli } from './cli-process.js';

export { agentPid, BIN, type CliEnv, type CliResult, makeCliEnv, run, runCli };

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

/** The real kubectl's `get pods` in a kube context tunnel wrote, with this CLI environment's kubeconfig. */
export function kubectlGetPods(cli: CliEnv, context: string, ...extra: string[]): Promise<CliResult> {
  return run('kubectl', ['--context', context, 'get', 'pods', ...extra], 20_000, cli.env);
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
