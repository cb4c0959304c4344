// The control server and client over a real Unix socket: requests, questions, garbage, shutdown.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentUnavailableError } from '../../src/control/client.js';
import { connectControl } from '../../src/control/connect.js';
import { PROTOCOL_VERSION } from '../../src/control/protocol.js';
import { TunnelError } from '../../src/errors.js';
import { client, env, forget, raw, start, useControlSandbox } from './control-helpers.js';

useControlSandbox();

describe('control server and client', () => {
  it('answers hello with the agent version and runs requests concurrently, matched by id', async () => {
    await start();
    const cli = await client();
    expect(await cli.hello('0.1.0')).toEqual({
      agentVersion: '9.9.9',
      protocolVersion: PROTOCOL_VERSION,
      pid: process.pid,
    });
    const [slow, fast] = await Promise.all([
      cli.request('status', { host: 'slow' }),
      cli.request('status', { host: 'fast' }),
    ]);
    expect(slow.sessions).toEqual([{ host: 'slow' }]);
    expect(fast.sessions).toEqual([{ host: 'fast' }]);
  });

  it('relays ask questions to the injected interaction, and "no answer" without one', async () => {
    await start();
    const options = {
      alias: 'devserver',
      sshConfigFile: undefined,
      clusters: [],
      maps: [[8080, 18080]] as [number, number][],
      bindAddress: '127.0.0.1',
      acceptNewHostKey: false,
      kubeconfig: { kind: 'none' as const },
      contextTemplate: '{cluster}',
      holdTimeoutMs: 30_000,
      rediscoverIntervalMs: 30_000,
      transport: 'auto' as const,
      askpass: undefined,
    };
    const asked: string[] = [];
    const withTerminal = await client({
      timeoutMs: 100,
      interaction: {
        confirm: async (text) => {
          asked.push(text);
          // Longer than the reply timeout: the person's thinking time must not count against it.
          await new Promise((resolve) => setTimeout(resolve, 300));
          return true;
        },
        askPassphrase: async (file) => `pw for ${file}`,
      },
    });
    expect(await withTerminal.request('connect', { options })).toEqual({
      host: 'devserver',
      session: { trusted: true, passphrase: 'pw for /keys/id_ed25519' },
    });
    expect(asked).toEqual(['Trust devserver?']);
    const headless = await client();
    const headlessReply = (await headless.request('connect', { options })) as unknown as { session: unknown };
    expect(headlessReply.session).toEqual({
      trusted: false,
      passphrase: 'undefined',
    });
  });

  it('turns a throwing handler into an error reply with code and hint', async () => {
    await start();
    const cli = await client();
    const noSession = cli.request('disconnect', { target: { host: 'x' }, keepKubeconfig: false });
    await expect(noSession).rejects.toMatchObject({
      code: 'STATE',
      message: 'no session for x',
      hint: 'tunnel status',
    });
    await expect(
      cli.request('disconnect', { target: { all: true }, keepKubeconfig: false }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
      message: 'boom',
    });
    expect((await cli.request('status', {})).sessions).toHaveLength(1);
  });

  it('answers garbage frames with errors and keeps the same connection and the agent working', async () => {
    await start();
    const peer = await raw();
    const garbage = [
      '{not json',
      'x'.repeat(2 * 1024 * 1024),
      '[]',
      JSON.stringify({ v: 999, id: 5, type: 'status' }),
    ];
    for (const line of garbage) {
      peer.send(`${line}\n`);
      const reply = await peer.next();
      expect(reply).toMatchObject({ v: PROTOCOL_VERSION, type: 'error', error: { code: 'PROTOCOL' } });
    }
    peer.send(`${JSON.stringify({ v: PROTOCOL_VERSION, id: 6, type: 'status' })}\n`);
    expect(await peer.next()).toEqual({
      v: PROTOCOL_VERSION,
      id: 6,
      type: 'ok',
      body: { sessions: [{ host: 'all' }] },
    });
    const other = await client();
    expect((await other.hello('0.1.0')).agentVersion).toBe('9.9.9');
    peer.end();
  });

  it('keeps the bad-version reply correlated by id', async () => {
    await start();
    const peer = await raw();
    peer.send(`${JSON.stringify({ v: 999, id: 5, type: 'status' })}\n`);
    expect(await peer.next()).toMatchObject({ id: 5, type: 'error', error: { code: 'PROTOCOL' } });
    peer.end();
  });

  it('close() ends connections, removes the socket, and the client learns the agent is gone', async () => {
    const server = await start();
    const cli = await client();
    const failed = expect(cli.request('status', { host: 'slow' })).rejects.toBeInstanceOf(TunnelError);
    forget(server);
    await server.close();
    await failed;
    expect(fs.existsSync(env.socketPath)).toBe(false);
    await expect(connectControl(env.socketPath)).rejects.toBeInstanceOf(AgentUnavailableError);
  });

  it('times out a request the agent never answers', async () => {
    // Reads and never answers, like a wedged agent.
    const silent = net.createServer((socket) => socket.resume());
    fs.mkdirSync(path.dirname(env.socketPath), { mode: 0o700 });
    await new Promise<void>((resolve) => silent.listen(env.socketPath, resolve));
    const cli = await client({ timeoutMs: 100 });
    await expect(cli.request('status', {})).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining('100 ms'),
    });
    cli.close();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
