// `tunnel connect` as the bench drives it: the real CLI and agent in an isolated home, on either transport.
// The OpenSSH transport is chosen the way a user chooses it (`connect --transport openssh`), so the bench
// measures what users get. A build where that transport does not exist yet is reported, not failed.
import fs from 'node:fs';
import {
  agentPid,
  type CliEnv,
  makeCliEnv as makeIsolatedCliEnv,
  runCli,
} from '../../test/integration/cli-process.js';
import { processTree } from './lib.js';

export type Transport = 'ssh2' | 'openssh';

export interface TunnelSide {
  transport: Transport;
  cli: CliEnv;
  agentPid: number;
  /** Remote (dev-server) port → the agent's local port, from `status --json`. */
  ports: Map<number, number>;
}

interface StatusDoc {
  sessions: {
    transport?: { kind: string | null; reason: string | null };
    clusters: { forwards: { remotePort: number; localPort: number }[] }[];
  }[];
}

/**
 * The only failures that mean "this build has no OpenSSH transport": the stub's "not implemented yet", or
 * a CLI that does not know `--transport` (a build from before the option). Anything else is a real failure.
 */
const NOT_AVAILABLE = [/not implemented yet/i, /unknown option '--transport'/i];

export class TransportNotAvailable extends Error {}

/** The CLI's line saying the OpenSSH transport is missing from this build, or undefined for a real failure. */
export function notAvailable(transport: Transport, output: string): string | undefined {
  if (transport !== 'openssh') return undefined;
  const lines = output.split('\n').map((line) => line.trim());
  return lines.find((line) => NOT_AVAILABLE.some((pattern) => pattern.test(line)));
}

function transportArgs(transport: Transport): string[] {
  // ssh2 is what `auto` picks for the simulator's plain key login; it stays flagless so the ssh2 rows
  // measure exactly what they measured before this option existed.
  return transport === 'openssh' ? ['--transport', 'openssh'] : [];
}

/** Connects `devserver` through `configFile` on `transport` and reads the forwards from status. */
export async function connectTunnel(
  cli: CliEnv,
  options: { configFile: string; transport: Transport },
): Promise<TunnelSide> {
  const args = ['--ssh-config', options.configFile, 'connect', 'devserver', '--no-kubeconfig'];
  const connected = await runCli(cli, [...args, ...transportArgs(options.transport)]);
  if (connected.code !== 0) {
    const missing = notAvailable(options.transport, `${connected.stderr}\n${connected.stdout}`);
    if (missing !== undefined) throw new TransportNotAvailable(missing);
    throw new Error(`tunnel connect (${options.transport}) failed: ${connected.stderr}`);
  }
  const doc = JSON.parse((await runCli(cli, ['status', '--json'])).stdout) as StatusDoc;
  // Status names the transport per session once the wiring exists; a mismatch would make every row a lie.
  const kinds = doc.sessions.flatMap((session) => session.transport?.kind ?? []);
  if (kinds.some((kind) => kind !== options.transport)) {
    throw new Error(`asked for ${options.transport}, status says ${kinds.join(', ')}`);
  }
  const forwards = doc.sessions.flatMap((s) => s.clusters.flatMap((c) => c.forwards));
  const pid = agentPid(cli);
  if (pid === undefined) throw new Error('no agent pid after connect');
  return {
    transport: options.transport,
    cli,
    agentPid: pid,
    ports: new Map(forwards.map((forward) => [forward.remotePort, forward.localPort])),
  };
}

/** Table cell for a path that could not run in this build. */
export const NOT_AVAILABLE_CELL = 'not available';

/** Every CLI env not yet disposed, so an interrupted run can stop their agents (disposeAllCli). */
const liveCliEnvs = new Set<CliEnv>();

/** An isolated HOME/TUNNEL_HOME/KUBECONFIG for one agent, stopped by disposeCli (or disposeAllCli). */
export function makeCliEnv(): CliEnv {
  const cli = makeIsolatedCliEnv();
  liveCliEnvs.add(cli);
  return cli;
}

/** pid → start time (field 22 of /proc/<pid>/stat), so a pid reused meanwhile is never killed. */
function startTimes(pids: number[]): Map<number, string> {
  const times = new Map<number, string>();
  for (const pid of pids) {
    const time = startTime(pid);
    if (time !== undefined) times.set(pid, time);
  }
  return times;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Disconnect, stop the agent, kill it by pid if it is still there, remove the home. The agent's children
 * (the OpenSSH transport's `ssh` masters) are noted first and killed by pid too if they outlived it.
 */
export async function disposeCli(cli: CliEnv): Promise<void> {
  if (!liveCliEnvs.delete(cli)) return;
  const pid = agentPid(cli);
  const tree = pid === undefined ? new Map<number, string>() : startTimes(processTree(pid));
  await runCli(cli, ['disconnect', '--all'], 15_000);
  await runCli(cli, ['agent', 'stop'], 15_000);
  for (const [member, started] of tree) {
    if (startTime(member) !== started) continue;
    try {
      process.kill(member, 'SIGKILL');
    } catch {
      // Stopped already.
    }
  }
  fs.rmSync(cli.home, { recursive: true, force: true });
}

export async function disposeAllCli(): Promise<void> {
  for (const cli of [...liveCliEnvs]) await disposeCli(cli);
}

/** The OpenSSH-transport agent in its own home, or why this build cannot run it. */
export async function openSshSide(
  configFile: string,
  cleanups: Array<() => unknown>,
): Promise<{ side?: TunnelSide; unavailable?: string }> {
  const cli = makeCliEnv();
  cleanups.push(() => disposeCli(cli));
  try {
    return { side: await connectTunnel(cli, { configFile, transport: 'openssh' }) };
  } catch (error) {
    if (!(error instanceof TransportNotAvailable)) throw error;
    return { unavailable: error.message };
  }
}
