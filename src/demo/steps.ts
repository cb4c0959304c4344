// The things the demo does on this machine, as a user would: run the tunnel CLI (a child process with the
// demo's environment), fetch a forwarded port over HTTP, run kubectl when it is installed, stop the agent.
import http from 'node:http';
import { isAlive } from '../agent/process.js';
import { BIN_PATH } from '../agent/spawn.js';
import type { StatusDocument } from '../control/status-document.js';
import { TunnelError } from '../errors.js';
import { runProcess } from '../process/run.js';

export interface Output {
  /** null: killed by a signal, or the program could not be started (`missing` then says so). */
  code: number | null;
  stdout: string;
  stderr: string;
  missing?: boolean;
}

export async function runProgram(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<Output> {
  // A process group of its own: Ctrl-C in the terminal reaches the demo only, which lets the running
  // command finish. Killed halfway, `tunnel connect` could leave an agent it was still starting (its pid
  // nowhere yet), and that agent would outlive the demo and re-create the demo's state directory.
  const result = await runProcess({ file: program, args, env, timeoutMs, ownProcessGroup: true });
  if (result.notFound) return { code: null, stdout: '', stderr: result.failure, missing: true };
  return { code: result.exitCode ?? null, stdout: result.stdout, stderr: result.stderr };
}

/** `tunnel <args>` with the demo's environment, whatever its exit code. */
export function tunnelOutput(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Output> {
  return runProgram(process.execPath, [BIN_PATH, ...args], env);
}

/** `tunnel <args>`; a failure stops the demo with tunnel's own words. */
export async function tunnel(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const result = await tunnelOutput(args, env);
  if (result.code !== 0) {
    const said = result.stderr.trim() || result.stdout.trim() || `exit ${result.code ?? 'by a signal'}`;
    throw new TunnelError('INTERNAL', `the demo stopped: tunnel ${args.join(' ')} failed:\n${said}`, {
      hint: 'The demo needs nothing but Node.js; please report this output.',
    });
  }
  return result.stdout;
}

export async function statusOf(env: NodeJS.ProcessEnv, host: string): Promise<StatusDocument> {
  return JSON.parse(await tunnel(['status', host, '--json'], env)) as StatusDocument;
}

/** GET http://address:port/ like `curl`: the status line and body. */
export function httpGet(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: address, port, path: '/', timeout: 10_000, agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', (error) =>
      reject(
        new TunnelError('FORWARD', `the demo could not fetch http://${address}:${port}/: ${error.message}`, {
          hint: 'Run the demo again; if it fails the same way, please report the output.',
        }),
      ),
    );
  });
}

/** Stops the agent the demo started: politely first, then by its pid (only ever that pid). */
export async function stopDemoAgent(env: NodeJS.ProcessEnv, pid: number | undefined): Promise<boolean> {
  await runProgram(process.execPath, [BIN_PATH, 'agent', 'stop'], env, 30_000);
  if (pid === undefined) return true;
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    for (let waited = 0; waited < 3000 && isAlive(pid); waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!isAlive(pid)) return true;
    try {
      process.kill(pid, signal);
    } catch {
      return true;
    }
  }
  return !isAlive(pid);
}
