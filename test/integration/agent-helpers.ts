// Helpers of agent.test.ts: the JSON documents the CLI prints, as the tests read them; the simulator's
// scenario on free ports; port, process and ssh-config helpers; and a stand-in for an older agent.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ForwardStatus, SessionStatus, StatusDocument } from '../../src/control/status-document.js';
import { freePort } from '../devserver/client.js';
import type { DevServer, Scenario } from '../devserver/index.js';
import { type CliEnv, runCli } from './cli-helpers.js';

// The status document as `tunnel status --json` prints it: the agent's own types (control/).
export type ForwardJson = ForwardStatus;
export type SessionJson = SessionStatus;
export type StatusJson = StatusDocument;

export interface AgentJson {
  running: boolean;
  pid: number | null;
  version: string | null;
  sessions: string[];
  socketPath: string;
}

/**
 * two-clusters.json with every published host port moved to a free one, and the map from each original
 * port to its new one: in loopback mode those ports are this machine's, and other suites' agents may
 * hold 8080, 3000… locally while this one runs.
 */
export async function twoClustersOnFreePorts(): Promise<{
  scenario: Scenario;
  published: Map<number, number>;
}> {
  const file = fileURLToPath(new URL('../devserver/scenarios/two-clusters.json', import.meta.url));
  const scenario = JSON.parse(fs.readFileSync(file, 'utf8')) as Scenario;
  const published = new Map<number, number>();
  const fresh = async (original: number) => {
    let port = await freePort();
    while ([...published.values()].includes(port)) port = await freePort();
    published.set(original, port);
    return port;
  };
  for (const cluster of scenario.clusters) {
    cluster.apiPort = await fresh(cluster.apiPort);
    for (const mapping of cluster.ports ?? []) mapping.hostPort = await fresh(mapping.hostPort);
  }
  return { scenario, published };
}

/** The simulator's ssh config with a second alias for the same server (a second session, same agent). */
export function sshConfigWithTwoAliases(devserver: DevServer, cli: CliEnv): string {
  const file = path.join(cli.home, 'ssh_config');
  if (!fs.existsSync(file)) {
    const config = fs.readFileSync(devserver.sshConfigFile, 'utf8');
    fs.writeFileSync(file, config.replace(/^Host devserver$/m, 'Host devserver devserver2'));
  }
  return file;
}

export async function status(cli: CliEnv, host?: string): Promise<StatusJson> {
  const result = await runCli(cli, ['status', ...(host === undefined ? [] : [host]), '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as StatusJson;
}

export async function session(cli: CliEnv, host = 'devserver'): Promise<SessionJson> {
  const doc = await status(cli, host);
  expect(doc.sessions).toHaveLength(1);
  return doc.sessions[0]!;
}

export async function agentInfo(cli: CliEnv): Promise<AgentJson> {
  const result = await runCli(cli, ['agent', 'status', '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AgentJson;
}

export const forwardsOf = (entry: SessionJson) => entry.clusters.flatMap((cluster) => cluster.forwards);

/** Forward id → local port: what must survive an agent restart unchanged. */
export const localPorts = (entry: SessionJson) =>
  Object.fromEntries(forwardsOf(entry).map((candidate) => [candidate.id, candidate.localPort]));

/** Binds and releases the port: throws EADDRINUSE while anything (a forward) still holds it. */
export async function bindFree(port: number): Promise<void> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** Pids of agent processes (`tunnel __agent`) serving this CLI env's state directory (Linux /proc). */
export function agentProcesses(cli: CliEnv): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!argv.includes('__agent')) continue;
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (environ.includes(`TUNNEL_HOME=${cli.env.TUNNEL_HOME}`)) pids.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return pids;
}

/** A stand-in for an agent of an older release: answers hello as 0.0.1 and exits on shutdown. */
export const OLD_AGENT = `
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
const [socketPath, lockFile] = process.argv.slice(2);
const lock = { pid: process.pid, startedAt: new Date().toISOString(), version: '0.0.1' };
const reply = (socket, id, body) => socket.write(JSON.stringify({ v: 1, id, type: 'ok', body }) + '\\n');
const server = net.createServer((socket) => {
  let buffered = '';
  socket.on('error', () => {});
  socket.on('data', (chunk) => {
    buffered += chunk;
    for (let end = buffered.indexOf('\\n'); end >= 0; end = buffered.indexOf('\\n')) {
      const frame = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (frame.type === 'hello') reply(socket, frame.id, { agentVersion: '0.0.1', protocolVersion: 1, pid: process.pid });
      else if (frame.type === 'shutdown') {
        reply(socket, frame.id, {});
        socket.end();
        server.close();
        fs.rmSync(lockFile, { force: true });
        setTimeout(() => process.exit(0), 50);
      }
    }
  });
});
fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
server.listen(socketPath, () => {
  fs.writeFileSync(lockFile, JSON.stringify(lock) + '\\n', { mode: 0o600 });
  process.stdout.write('listening\\n');
});
`;
