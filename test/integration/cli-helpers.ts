// Runs the real CLI (bin/tunnel.js → dist/) as a user would, in an isolated HOME/TUNNEL_HOME/KUBECONFIG.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function curl(url: string): Promise<CliResult> {
  return run('curl', ['-sS', '--max-time', '10', url]);
}
