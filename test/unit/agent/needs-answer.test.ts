// A session whose reconnect needs a person's answer (a one-time code after a drop) waits in
// needs-answer; `tunnel connect <host>` (agent.connect with the same options) answers it: the same
// session tries again at once with that person's questions. The login itself is faked at openDevServer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Agent } from '../../../src/agent/agent.js';
import type { Interaction } from '../../../src/devserver/connect.js';
import { type DevServer, openDevServer } from '../../../src/devserver/dev-server.js';
import { TunnelError } from '../../../src/errors.js';
import { AnswerRefusedError } from '../../../src/ssh/answer-refused.js';
import type { CloseReason } from '../../../src/ssh/types.js';
import { sessionOptions, sshTarget } from '../../builders.js';

vi.mock('../../../src/devserver/dev-server.js', () => ({ openDevServer: vi.fn() }));

let home: string;
const savedHome = process.env.TUNNEL_HOME;
beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-needs-answer-'));
  process.env.TUNNEL_HOME = home;
});
afterAll(() => {
  if (savedHome === undefined) delete process.env.TUNNEL_HOME;
  else process.env.TUNNEL_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A dev server whose link ends when the test says; no clusters, so nothing to forward. */
function fakeDevServer() {
  let end: (reason: CloseReason) => void = () => {};
  const closed = new Promise<CloseReason>((resolve) => {
    end = resolve;
  });
  const devServer = {
    alias: 'devserver',
    ssh: {
      target: sshTarget(),
      remoteAddress: undefined,
      closed,
      bytesReceived: 0,
      ping: async () => true,
      forwardOut: async () => {
        throw new Error('no forwards here');
      },
      close: () => end({ kind: 'local', message: 'closed by us' }),
    },
    k3d: async () => ({ k3dVersion: 'v5.8.3', k3sVersion: undefined, foundVia: 'path', path: 'k3d' }),
    engine: async () => ({ endpoint: undefined, scheme: undefined, remoteHost: undefined }),
    clusters: async () => [],
    close: () => {},
  } as unknown as DevServer;
  return { devServer, end };
}

/** A login that asks a one-time code: no answer → SSH_NEEDS_ANSWER, as the auth layer fails it. */
function loginAskingCode(codes: string[], devServers: ReturnType<typeof fakeDevServer>[]) {
  vi.mocked(openDevServer).mockImplementation(async (_options, interaction: Interaction) => {
    const code = await interaction.askSecret?.({ prompt: 'Verification code: ', echo: false });
    if (code === undefined) {
      throw new TunnelError('SSH_NEEDS_ANSWER', 'the login needs an answer (Verification code:)', {
        hint: 'Run `tunnel connect devserver` to answer it.',
      });
    }
    codes.push(code);
    const server = fakeDevServer();
    devServers.push(server);
    return server.devServer;
  });
}

const person = (code: string): Interaction => ({ askSecret: vi.fn(async () => code) });

describe('agent: needs-answer', () => {
  it('a drop puts the session in needs-answer with no retries; connect answers it on the same session', async () => {
    const codes: string[] = [];
    const servers: ReturnType<typeof fakeDevServer>[] = [];
    loginAskingCode(codes, servers);
    const logs: string[] = [];
    const agent = new Agent((level, message) => logs.push(`${level}: ${message}`));
    const options = sessionOptions({ kubeconfig: { kind: 'none' } });
    const signal = new AbortController().signal;

    const first = await agent.connect(options, person('111111'), signal);
    expect(first.status.state).toBe('forwarding');
    servers[0]?.end({ kind: 'keepalive', message: 'no answer to keepalives' });
    await vi.advanceTimersByTimeAsync(60_000);
    const [waiting] = agent.status('devserver');
    expect(waiting?.state).toBe('needs-answer');
    expect(waiting?.lastError?.code).toBe('SSH_NEEDS_ANSWER');
    const tries = vi.mocked(openDevServer).mock.calls.length;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(vi.mocked(openDevServer).mock.calls.length).toBe(tries);
    expect(logs.filter((line) => line.includes('waiting for you'))).toHaveLength(1);

    const answered = await agent.connect(options, person('222222'), signal);
    expect(answered).toMatchObject({ reused: false, replaced: false, status: { state: 'forwarding' } });
    expect(codes).toEqual(['111111', '222222']);
    // Nothing typed reaches the log.
    expect(logs.join('\n')).not.toMatch(/111111|222222/);
    await agent.stopAll();
  });

  it('a connect whose person gives no answer fails with SSH_NEEDS_ANSWER; the session keeps waiting', async () => {
    const servers: ReturnType<typeof fakeDevServer>[] = [];
    loginAskingCode([], servers);
    const agent = new Agent(() => {});
    const options = sessionOptions({ kubeconfig: { kind: 'none' } });
    const signal = new AbortController().signal;
    await agent.connect(options, person('111111'), signal);
    servers[0]?.end({ kind: 'remote', message: 'closed by the server' });
    await vi.advanceTimersByTimeAsync(60_000);
    const error = await agent.connect(options, {}, signal).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SSH_NEEDS_ANSWER' });
    expect(agent.status('devserver')[0]?.state).toBe('needs-answer');
    await agent.stopAll();
  });

  it('an unattended reconnect whose askpass answer is refused waits for a person instead of retrying', async () => {
    const servers: ReturnType<typeof fakeDevServer>[] = [];
    vi.mocked(openDevServer).mockImplementation(async (_options, interaction: Interaction) => {
      if (interaction.unattended) {
        // The askpass program's code was sent and denied (both transports mark such an SSH_AUTH).
        throw new AnswerRefusedError('Authentication to me@dev:22 failed: tried keyboard-interactive.');
      }
      const server = fakeDevServer();
      servers.push(server);
      return server.devServer;
    });
    const logs: string[] = [];
    const agent = new Agent((level, message) => logs.push(`${level}: ${message}`));
    const options = sessionOptions({ kubeconfig: { kind: 'none' }, askpass: '/usr/local/bin/otp-askpass' });
    const signal = new AbortController().signal;
    await agent.connect(options, person('111111'), signal);
    servers[0]?.end({ kind: 'keepalive', message: 'no answer to keepalives' });
    await vi.advanceTimersByTimeAsync(60_000);
    const [waiting] = agent.status('devserver');
    expect(waiting?.state).toBe('needs-answer');
    expect(waiting?.lastError).toMatchObject({
      code: 'SSH_NEEDS_ANSWER',
      message: /SSH_ASKPASS gave was refused/,
    });
    const tries = vi.mocked(openDevServer).mock.calls.length;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(vi.mocked(openDevServer).mock.calls.length).toBe(tries);
    const answered = await agent.connect(options, person('222222'), signal);
    expect(answered.status.state).toBe('forwarding');
    await agent.stopAll();
  });
});
