// Starts the agent as a detached background process and waits until its control socket answers.
// Its stdout/stderr go to a file, so a crash before its own log is open still leaves a trace.
// Not on process/ (execa), by choice: this child must outlive us (execa kills children on exit), has no
// output to buffer and no end to wait for, and it is on `tunnel status`'s path, where execa's import shows.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentLogFile, controlSocketPath } from '../config/paths.js';
import { probeAgent } from '../control/connect.js';
import { TunnelError } from '../errors.js';
import { VERSION } from '../version.js';
import { AGENT_NODE_FLAGS, agentSpawnEnv } from './node-flags.js';

export const BIN_PATH = fileURLToPath(new URL('../../bin/tunnel.js', import.meta.url));

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export function agentStderrFile(): string {
  return path.join(path.dirname(agentLogFile()), 'agent.stderr.log');
}

/**
 * Starts an agent and resolves once an agent (it, or one that won a race) answers hello, with the pid
 * of the process it started: the caller compares it with hello's pid to know whose agent answers.
 */
export async function spawnAgent(timeoutMs = 15_000): Promise<number | undefined> {
  const stderrFile = agentStderrFile();
  fs.mkdirSync(path.dirname(stderrFile), { recursive: true, mode: 0o700 });
  const output = fs.openSync(stderrFile, 'a', 0o600);
  // cwd "/": a detached agent must not keep the directory it was started from busy (unmounts).
  const child = spawn(process.execPath, [...AGENT_NODE_FLAGS, BIN_PATH, '__agent'], {
    detached: true,
    cwd: '/',
    env: agentSpawnEnv(process.env),
    stdio: ['ignore', output, output],
  });
  fs.closeSync(output);
  let failure: string | undefined;
  child.once('exit', (code, signal) => {
    // Exit 0 means another agent holds the lock: keep waiting for that one to answer.
    if (code !== 0) failure = signal ?? `code ${code}`;
  });
  child.once('error', (error) => {
    failure = error.message;
  });
  child.unref();
  const socketPath = controlSocketPath();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failure !== undefined) break;
    if (await probeAgent(socketPath, VERSION, { timeoutMs: 1000 })) return child.pid;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const detail = tail(stderrFile) || tail(agentLogFile());
  const what = failure ? `exited at start (${failure})` : `did not answer within ${timeoutMs} ms`;
  throw new TunnelError('AGENT', `the tunnel agent ${what}`, {
    hint: detail ? `Its last output:\n${detail}` : `See ${agentLogFile()} and ${stderrFile}`,
  });
}
