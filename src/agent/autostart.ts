// The CLI's way to an agent: connect, check versions, and start (or replace) the agent when needed.
// A stale agent (another version: the CLI was upgraded) is asked to shut down and a fresh one started;
// its saved sessions come back in the new one.
// Lives in agent/ (not control/) because it starts the agent's process: control/ stays the wire only.

import { agentLockPath, controlSocketPath, legacyControlSocketPath } from '../config/paths.js';
import {
  AgentUnavailableError,
  type AskHandlers,
  type ControlClient,
  type ControlClientOptions,
  type HelloInfo,
} from '../control/client.js';
import { connectControl } from '../control/connect.js';
import { PROTOCOL_VERSION } from '../control/protocol.js';
import { TunnelError } from '../errors.js';
import { VERSION } from '../version.js';
import { readLockRecord } from './lock.js';
import { isAlive } from './process.js';
import { spawnAgent } from './spawn.js';

export interface AgentConnection {
  client: ControlClient;
  hello: HelloInfo;
  /**
   * True when this call started the agent that answers: the process it spawned (not one that won the
   * lock meanwhile), and no agent was replaced (the one replaced may be the user's login item).
   */
  started: boolean;
  /** The version of an agent this call replaced. */
  replaced: string | undefined;
}

export interface EnsureAgentOptions {
  interaction?: AskHandlers;
  /** Start an agent when none runs (default true); false → undefined when none runs. */
  start?: boolean;
  /**
   * Replace an agent of another version (default true). False for commands that only look or stop
   * (`agent status`, `agent stop`): they must see the agent that runs, not restart it as a side effect.
   */
  replace?: boolean;
  /** The effects, for tests (default: the real socket, process and shutdown). */
  effects?: Partial<AgentEffects>;
}

export interface AgentEffects {
  connect: (interaction: AskHandlers | undefined) => Promise<{ client: ControlClient; hello: HelloInfo }>;
  /** Starts an agent; the pid it spawned. */
  spawn: () => Promise<number | undefined>;
  stop: (client: ControlClient, pid: number) => Promise<void>;
}

/** Today's socket, then an older release's under $TMPDIR (paths.ts legacyControlSocketPath). */
async function connectSocket(options: ControlClientOptions): Promise<ControlClient> {
  try {
    return await connectControl(controlSocketPath(), options);
  } catch (error) {
    const legacy = legacyControlSocketPath();
    if (!(error instanceof AgentUnavailableError) || legacy === undefined) throw error;
    return connectControl(legacy, options).catch((legacyError: unknown) => {
      throw legacyError instanceof AgentUnavailableError ? error : legacyError;
    });
  }
}

async function connectOnce(interaction: AskHandlers | undefined) {
  // The lock's pid is where the peer check looks first for the listener (it scans our processes after).
  const agentPid = readLockRecord(agentLockPath())?.pid;
  const client = await connectSocket({ interaction, timeoutMs: 10_000, agentPid });
  try {
    return { client, hello: await client.hello(VERSION) };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Waits for a pid to exit (a stopping agent); true when it did. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !isAlive(pid);
}

/**
 * Asks the agent to stop only if it is idle (no session, no connect under way: the agent decides) and
 * waits until its process is gone; false when it refused.
 */
export async function stopIdleAgent(
  client: ControlClient,
  pid: number,
  timeoutMs = 15_000,
): Promise<boolean> {
  try {
    await client.request('shutdown', { ifIdle: true });
  } catch (error) {
    if (error instanceof TunnelError && error.code === 'STATE') return false;
    // Otherwise it may have closed the connection before the reply arrived; its exit is what we wait for.
  } finally {
    client.close();
  }
  if (await waitForExit(pid, timeoutMs)) return true;
  throw new TunnelError('AGENT', `the agent (pid ${pid}) did not stop within ${timeoutMs} ms`, {
    hint: `See \`tunnel logs\`; stop it by hand with: kill ${pid}`,
  });
}

/** Asks the agent to stop and waits until its process is gone (its ports are free then). */
export async function stopAgent(client: ControlClient, pid: number, timeoutMs = 15_000): Promise<void> {
  try {
    await client.request('shutdown', {});
  } catch {
    // It may close the connection before the reply arrives; its exit is what we wait for.
  } finally {
    client.close();
  }
  if (await waitForExit(pid, timeoutMs)) return;
  throw new TunnelError('AGENT', `the agent (pid ${pid}) did not stop within ${timeoutMs} ms`, {
    hint: `See \`tunnel logs\`; stop it by hand with: kill ${pid}`,
  });
}

export async function ensureAgent(options: EnsureAgentOptions = {}): Promise<AgentConnection | undefined> {
  const effects: AgentEffects = {
    connect: connectOnce,
    spawn: () => spawnAgent(),
    stop: (client, pid) => stopAgent(client, pid),
    ...options.effects,
  };
  let connected: Awaited<ReturnType<typeof connectOnce>>;
  let spawned: number | undefined;
  try {
    connected = await effects.connect(options.interaction);
  } catch (error) {
    if (!(error instanceof AgentUnavailableError) || options.start === false) {
      if (error instanceof AgentUnavailableError) return undefined;
      throw error;
    }
    spawned = await effects.spawn();
    connected = await effects.connect(options.interaction);
  }
  const { hello } = connected;
  const current = hello.agentVersion === VERSION && hello.protocolVersion === PROTOCOL_VERSION;
  if (current || options.replace === false) {
    // Spawn exiting 0 means another agent (a concurrent CLI's, the login item's) holds the lock: not ours.
    return { ...connected, started: spawned !== undefined && hello.pid === spawned, replaced: undefined };
  }
  await effects.stop(connected.client, hello.pid);
  await effects.spawn();
  const fresh = await effects.connect(options.interaction);
  // It stands in for the one replaced (perhaps the login item's, which launchd/systemd would not restart
  // after a clean exit): never taken down as "started by this command".
  return { ...fresh, started: false, replaced: hello.agentVersion };
}
