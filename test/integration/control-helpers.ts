// Shared set-up for the control socket suites: a temp dir, a server with test handlers, clients.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { ControlClient } from '../../src/control/client.js';
import { connectControl } from '../../src/control/connect.js';
import type { RequestOf } from '../../src/control/protocol.js';
import {
  type ControlServer,
  type ControlServerOptions,
  type Handlers,
  type RequestContext,
  startControlServer,
} from '../../src/control/server.js';
import { TunnelError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

export const env = { dir: '', socketPath: '' };
const servers: ControlServer[] = [];
const clients: ControlClient[] = [];

// Bodies shaped for these tests, not the real agent's: the socket layer must not care what they hold.
export const handlers = {
  status: async (request: RequestOf<'status'>) => {
    // A slower answer for one host shows replies are matched by id, not by order.
    if (request.host === 'slow') await new Promise((resolve) => setTimeout(resolve, 150));
    return { sessions: [{ host: request.host ?? 'all' }] };
  },
  connect: async (request: RequestOf<'connect'>, context: RequestContext) => {
    const trusted = await context.ask('confirm', `Trust ${request.options.alias}?`);
    const passphrase = await context.ask('passphrase', '/keys/id_ed25519');
    return {
      host: request.options.alias,
      session: { trusted: trusted === true, passphrase: String(passphrase) },
    };
  },
  disconnect: (request: RequestOf<'disconnect'>) => {
    if ('all' in request.target) throw new Error('boom');
    throw new TunnelError('STATE', `no session for ${request.target.host}`, { hint: 'tunnel status' });
  },
  shutdown: () => ({}),
} as unknown as Handlers;

export async function start(
  at = env.socketPath,
  overrides: Partial<ControlServerOptions> = {},
): Promise<ControlServer> {
  const server = await startControlServer({
    socketPath: at,
    handlers,
    log: silentLogger,
    agentVersion: '9.9.9',
    ...overrides,
  });
  servers.push(server);
  return server;
}

export async function client(options: Parameters<typeof connectControl>[1] = {}): Promise<ControlClient> {
  const connected = await connectControl(env.socketPath, { timeoutMs: 2000, ...options });
  clients.push(connected);
  return connected;
}

/** A raw socket that writes bytes and reads reply lines, to send what no real client would. */
export async function raw(): Promise<{
  send(text: string): void;
  next(): Promise<Record<string, unknown>>;
  end(): void;
}> {
  const socket = net.connect(env.socketPath);
  await new Promise((resolve) => socket.once('connect', resolve));
  const lines: string[] = [];
  let buffer = '';
  let wake: (() => void) | undefined;
  socket.on('data', (chunk) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    wake?.();
  });
  return {
    send: (text) => socket.write(text),
    async next() {
      while (lines.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return JSON.parse(lines.shift() ?? '') as Record<string, unknown>;
    },
    end: () => socket.destroy(),
  };
}

/** Registers the temp dir, server and client clean-up for the calling suite. */
export function useControlSandbox(): void {
  beforeEach(() => {
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-control-'));
    env.socketPath = path.join(env.dir, 'run', 'agent.sock');
  });
  afterEach(async () => {
    for (const connected of clients.splice(0)) connected.close();
    for (const server of servers.splice(0)) await server.close();
    fs.rmSync(env.dir, { recursive: true, force: true });
  });
}

/** Forgets a server the test closes itself. */
export function forget(server: ControlServer): void {
  servers.splice(servers.indexOf(server), 1);
}
