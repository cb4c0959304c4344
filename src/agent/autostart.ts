// The CLI's way to an agent: connect, check versions, and start (or replace) the agent when needed.
// A stale agent (another version: the CLI was upgraded) is asked to shut down and a fresh one started;
// its saved sessions come back in the new one.
// Lives in agent/ (not control/) because it starts the agent's process: control/ stays the wire only.

import { agentLockPath, controlSocketPath } from '../config/paths.js';
import {
  AgentUnavailableError,
  type AskHandlers,
  type ControlClient,
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
  /** True when this call started the agent. */
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
}

async function connectOnce(interaction: AskHandlers | undefined) {
  // The lock's pid is where the peer check looks first for the listener (it scans our processes after).
  const agentPid = readLockRecord(agentLockPath())?.pid;
  const client = await connectControl(controlSocketPath(), { interaction, timeoutMs: 10_000, agentPid });
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
  let connected: Awaited<ReturnType<typeof connectOnce>>;
  let started = false;
  try {
    connected = await connectOnce(options.interaction);
  } catch (error) {
    if (!(error instanceof AgentUnavailableError) || options.start === false) {
      if (error instanceof AgentUnavailableError) return undefined;
      throw error;
    }
    await spawnAgent();
    started = true;
    connected = await connectOnce(options.interaction);
  }
  const { hello } = connected;
  const current = hello.agentVersion === VERSION && hello.protocolVersion === PROTOCOL_VERSION;
  if (current || options.replace === false) {
    return { ...connected, started, replaced: undefined };
  }
  await stopAgent(connected.client, hello.pid);
  await spawnAgent();
  const fresh = await connectOnce(options.interaction);
  return { ...fresh, started: true, replaced: hello.agentVersion };
}
