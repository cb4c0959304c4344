// Shared by the fault suites (agent-faults.test.ts, faults-more.test.ts): `tunnel status --json` as they read
// it, the scenario's web forward, curls a test owns, and connect checked to be forwarding.

import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { expect } from 'vitest';
import type { DevServer } from '../devserver/index.js';
import { type CliEnv, type CliResult, run, runCli } from './cli-helpers.js';

export interface StatusForward {
  id: string;
  kind: 'api' | 'service';
  state: string;
  localPort: number;
  remotePort: number;
  open: number;
  total: number;
  held: number;
  heldTimedOut: number;
  dropped: number;
}

export interface StatusSession {
  host: string;
  state: 'connecting' | 'forwarding' | 'reconnecting' | 'stopped';
  reconnectCount: number;
  lastError: { message: string; code: string | null; at: string } | null;
  clusters: { name: string; context: string | null; forwards: StatusForward[] }[];
}

export interface StatusDocument {
  agent: { pid: number } | null;
  sessions: StatusSession[];
}

/** What the two-clusters scenario's my-app service answers on its forwarded port 8080. */
export const WEB_REPLY = 'hello from my-app via nodePort 30080';
/** Long enough for any reconnect backoff (capped at 30 s) plus the connect itself; a bound on the test only. */
export const RECOVERY_TIMEOUT_MS = 45_000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** TUNNEL_TEST_TIMINGS=1 prints what a test observed (for tuning and reports; never asserted). */
export function observed(label: string, value: unknown): void {
  if (process.env.TUNNEL_TEST_TIMINGS === '1') process.stderr.write(`observed: ${label}: ${value}\n`);
}

export async function statusDoc(cli: CliEnv): Promise<StatusDocument> {
  const result = await runCli(cli, ['status', '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as StatusDocument;
}

/** The `devserver` session of `tunnel status --json`. */
export async function session(cli: CliEnv): Promise<StatusSession> {
  const found = (await statusDoc(cli)).sessions.find((entry) => entry.host === 'devserver');
  if (!found) throw new Error('no devserver session in tunnel status');
  return found;
}

export function forwardOf(
  entry: StatusSession,
  cluster: string,
  remotePort: number,
): StatusForward | undefined {
  return entry.clusters
    .find((candidate) => candidate.name === cluster)
    ?.forwards.find((forward) => forward.remotePort === remotePort);
}

/** The forward of my-app's port 8080 (the one WEB_REPLY comes through). */
export function webForward(entry: StatusSession): StatusForward {
  const forward = forwardOf(entry, 'my-app', 8080);
  if (!forward) throw new Error(`no forward for my-app:8080 in ${JSON.stringify(entry.clusters)}`);
  return forward;
}

export function pollState(cli: CliEnv, timeout = RECOVERY_TIMEOUT_MS) {
  return expect.poll(async () => (await session(cli)).state, { timeout, interval: 250 });
}

export interface Curl {
  child: ChildProcess;
  done: Promise<CliResult & { endedAt: number }>;
  finished(): boolean;
}

/** A curl to 127.0.0.1:port that waits as long as the session may need; the test kills it by pid. */
export function startCurl(port: number, maxTimeSeconds: number): Curl {
  const child = spawn('curl', ['-sS', '--max-time', String(maxTimeSeconds), `http://127.0.0.1:${port}/`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult & { endedAt: number }>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout, stderr, endedAt: Date.now() }));
  });
  return { child, done, finished: () => child.exitCode !== null || child.signalCode !== null };
}

export function killAll(curls: Curl[]): void {
  for (const curl of curls) if (!curl.finished()) curl.child.kill('SIGKILL');
}

export function curlOnce(port: number): Promise<CliResult> {
  return run('curl', ['-sS', '--max-time', '10', `http://127.0.0.1:${port}/`]);
}

/** `tunnel connect devserver`: it succeeds silently, the session is forwarding, and the web forward answers. */
export async function connectForwarding(
  devserver: DevServer,
  cli: CliEnv,
  extra: string[] = [],
): Promise<StatusSession> {
  const result = await runCli(cli, [
    '--ssh-config',
    devserver.sshConfigFile,
    'connect',
    'devserver',
    ...extra,
  ]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const entry = await session(cli);
  expect(entry.state).toBe('forwarding');
  expect((await curlOnce(webForward(entry).localPort)).stdout).toContain(WEB_REPLY);
  return entry;
}

export type Outcome = 'answered' | 'closed' | 'hung';

/**
 * One HTTP/1.0 request on a raw socket: 'answered' (the whole reply, then EOF), 'closed' (closed or reset
 * before a full reply: the client knows it must retry), 'hung' (neither within hangAfterMs).
 */
export function rawRequest(port: number, hangAfterMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    let settled = false;
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('hung'), hangAfterMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
    });
    socket.on('error', () => settle('closed'));
    socket.on('close', () => settle(reply.includes(WEB_REPLY) ? 'answered' : 'closed'));
  });
}
