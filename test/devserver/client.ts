// Test-side helpers that poke a simulated dev server with the real OpenSSH client: run a remote command
// (plain or through a login shell, where k3d is on PATH) and open `ssh -N -L` forwards. Every process they
// start is tracked so closeAll() can stop it by pid.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import type { DevServer } from './index.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  timeoutMs = 20_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** POSIX single-quoting, for building remote command lines. */
export const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port (the probe connection is closed at once). */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`ssh -L exited with ${child.exitCode}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`local forward ${port} not ready within ${timeoutMs} ms`);
}

export interface DevServerClient {
  /** `ssh devserver <command>`: a non-interactive session (no ~/.profile, so no k3d on PATH). */
  ssh(remoteCommand: string): Promise<RunResult>;
  /** `ssh devserver bash -lc '<command>'`: a login shell, where ~/.local/bin is on PATH. */
  login(command: string): Promise<RunResult>;
  /** `ssh -N -L 127.0.0.1:<free>:<remoteHost>:<remotePort>`; resolves with the local port once it accepts. */
  forward(remotePort: number, remoteHost?: string): Promise<number>;
  /** Stops every forward this client opened. */
  closeAll(): void;
}

export function devServerClient(dev: DevServer): DevServerClient {
  const forwards: ChildProcess[] = [];
  const base = ['-F', dev.sshConfigFile, '-o', 'BatchMode=yes'];
  const ssh = (remoteCommand: string) => run('ssh', [...base, dev.alias, remoteCommand]);
  return {
    ssh,
    login: (command) => ssh(`bash -lc ${shellQuote(command)}`),
    forward: async (remotePort, remoteHost = '127.0.0.1') => {
      const local = await freePort();
      const host = remoteHost.includes(':') ? `[${remoteHost}]` : remoteHost;
      const spec = `127.0.0.1:${local}:${host}:${remotePort}`;
      const child = spawn('ssh', [...base, '-o', 'ExitOnForwardFailure=yes', '-N', '-L', spec, dev.alias], {
        stdio: 'ignore',
      });
      forwards.push(child);
      await waitForPort(local, child, 10_000);
      return local;
    },
    closeAll: () => {
      for (const child of forwards.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
