// The CLI as a process, with no test-runner dependency (the bench uses it too): the binary, an isolated
// HOME/TUNNEL_HOME/KUBECONFIG, running a command, and the agent's pid from its lock file.
import { execFile } from 'node:child_process';
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

/** The agent's pid as its lock file records it (to stop a leftover agent by pid), if there is one. */
export function agentPid(cli: CliEnv): number | undefined {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(cli.env.TUNNEL_HOME!, 'agent.lock'), 'utf8'));
    return typeof lock.pid === 'number' ? lock.pid : undefined;
  } catch {
    return undefined;
  }
}
