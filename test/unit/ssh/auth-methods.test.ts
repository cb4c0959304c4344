// Password and keyboard-interactive logins through the real connection code against an in-process
// ssh2 server that authenticates like sshd with AuthenticationMethods (auth-server.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TunnelError, UsageError } from '../../../src/errors.js';
import { openConnection } from '../../../src/ssh/connection.js';
import type { LoginObservation } from '../../../src/ssh/probe.js';
import type { AskSecret, SshTarget } from '../../../src/ssh/types.js';
import { type AuthServerOptions, answering, makeKey, publicBlob, serveTarget } from './auth-server.js';

let dir: string;
let key: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-auth-methods-'));
  key = makeKey(dir, 'id_ed25519');
});
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function serve(options: AuthServerOptions) {
  return serveTarget({
    dir,
    options,
    onStop: (stop) => stops.push(stop),
    overrides: { identityFiles: [key] },
  });
}

async function login(target: SshTarget, askSecret?: AskSecret, probe?: LoginObservation) {
  const connection = await openConnection(target, {
    hostKeyPolicy: { acceptNewHostKey: false },
    ...(askSecret ? { askSecret } : {}),
    ...(probe ? { probe } : {}),
  });
  connection.close();
  await connection.closed;
}

const failure = (promise: Promise<unknown>) =>
  promise.then(() => undefined).catch((error: TunnelError) => error);

describe('password and keyboard-interactive (ssh2 transport)', () => {
  it('logs in with a password only, asking as OpenSSH words it', async () => {
    const { server, target } = await serve({ methods: [['password']], password: 'hunter2' });
    const { asked, askSecret } = answering(['hunter2']);
    await login({ ...target, identityFiles: [] }, askSecret);
    expect(asked).toEqual([{ prompt: "me@127.0.0.1's password: ", echo: false }]);
    expect(server.requests).toEqual(['none', 'password']);
  });

  it('answers keyboard-interactive after a key accepted with partial success', async () => {
    const { server, target } = await serve({
      methods: [['publickey', 'keyboard-interactive']],
      authorizedKeys: [publicBlob(key)],
      keyboard: { prompts: [{ prompt: 'Verification code: ', echo: false }], answers: ['123456'] },
    });
    const { asked, askSecret } = answering(['123456']);
    const observation: LoginObservation = {};
    await login(target, askSecret);
    expect(asked.map((question) => question.prompt)).toEqual(['(me@127.0.0.1) Verification code: ']);
    expect(server.requests).toEqual(['none', 'publickey?', 'publickey', 'keyboard-interactive']);
    expect(server.answers).toEqual([['123456']]);
    // doctor's probe never asks: the code is needed, and the key it got past is named.
    const error = await failure(login(target, undefined, observation));
    expect(error).toMatchObject({ code: 'SSH_NEEDS_ANSWER', message: /accepted publickey ED25519 SHA256:/ });
    expect(error?.message).toContain("needs an answer to the server's keyboard-interactive questions");
    expect(observation.method).toMatch(/^publickey ED25519 SHA256:[A-Za-z0-9+/]{43}$/);
    expect(server.answers).toEqual([['123456']]);
  });

  it('gives up after NumberOfPasswordPrompts wrong passwords with a clear SSH_AUTH error', async () => {
    const { server, target } = await serve({ methods: [['password']], password: 'right' });
    const { asked, askSecret } = answering(['wrong1', 'wrong2', 'wrong3', 'never']);
    const error = await failure(
      login({ ...target, identityFiles: [], numberOfPasswordPrompts: 2 }, askSecret),
    );
    expect(error?.code).toBe('SSH_AUTH');
    expect(error?.message).toContain('tried password ×2');
    expect(error?.message).not.toContain('wrong');
    expect(error?.hint).toMatch(/Check the password or code for me/);
    expect(asked.map((question) => question.instructions)).toEqual([
      undefined,
      'Permission denied, please try again.',
    ]);
    expect(server.requests).toEqual(['none', 'password', 'password']);
  });

  it('fails with SSH_NEEDS_ANSWER, sending nothing, when nobody can answer or BatchMode is set', async () => {
    const { server, target } = await serve({ methods: [['password']], password: 'right' });
    const noAsker = await failure(login({ ...target, identityFiles: [] }));
    expect(noAsker).toMatchObject({
      code: 'SSH_NEEDS_ANSWER',
      hint: expect.stringContaining('tunnel connect dev'),
    });
    expect(noAsker?.message).toContain(`"me@127.0.0.1's password:"`);
    const { asked, askSecret } = answering(['right']);
    const batch = await failure(login({ ...target, identityFiles: [], batchMode: true }, askSecret));
    expect(batch).toMatchObject({ code: 'SSH_NEEDS_ANSWER', message: /BatchMode is set/ });
    expect(asked).toEqual([]);
    const unanswered = answering([undefined]);
    const cancelled = await failure(login({ ...target, identityFiles: [] }, unanswered.askSecret));
    expect(cancelled).toMatchObject({ code: 'SSH_NEEDS_ANSWER', message: /nobody answered it/ });
    expect(server.requests.filter((request) => request === 'password')).toEqual([]);
  });

  it('ends with the cancellation itself when the person presses Ctrl-C at the prompt', async () => {
    const { server, target } = await serve({ methods: [['password']], password: 'right' });
    const cancel: AskSecret = async () => {
      throw new UsageError('Cancelled at the password prompt');
    };
    const error = await failure(login({ ...target, identityFiles: [] }, cancel));
    expect(error).toBeInstanceOf(UsageError);
    expect(server.requests).toEqual(['none']);
  });

  it('follows PreferredAuthentications and drops methods the config turns off', async () => {
    const options = {
      methods: [['password'], ['keyboard-interactive']],
      password: 'pw',
      keyboard: { prompts: [{ prompt: 'Code: ', echo: true }], answers: ['42'] },
    };
    const first = await serve(options);
    const passwordFirst = answering(['pw']);
    await login(
      { ...first.target, identityFiles: [], preferredAuthentications: ['password', 'keyboard-interactive'] },
      passwordFirst.askSecret,
    );
    expect(first.server.requests).toEqual(['none', 'password']);
    const second = await serve(options);
    const keyboard = answering(['42']);
    await login({ ...second.target, identityFiles: [], passwordAuthentication: false }, keyboard.askSecret);
    expect(second.server.requests).toEqual(['none', 'keyboard-interactive']);
    expect(keyboard.asked).toEqual([{ prompt: '(me@127.0.0.1) Code: ', echo: true }]);
  });

  it('escapes control characters in what the server sends and bounds its length', async () => {
    const { target } = await serve({
      methods: [['keyboard-interactive']],
      keyboard: {
        name: 'Duo\x1b]0;pwned\x07',
        instructions: `Line one\nLine two\x1b[2J${'x'.repeat(5000)}`,
        prompts: [{ prompt: 'Code\x1b[31m: \r', echo: false }],
        answers: ['1'],
      },
    });
    const { asked, askSecret } = answering(['1']);
    await login({ ...target, identityFiles: [] }, askSecret);
    const [question] = asked;
    expect(question?.prompt).toBe('(me@127.0.0.1) Code\\x1b[31m: \\x0d');
    expect(question?.instructions).toMatch(/^Duo\\x1b\]0;pwned\\x07\nLine one\nLine two\\x1b\[2Jx+…$/);
    expect(question?.instructions?.length).toBeLessThan(1200);
    expect(JSON.stringify(asked)).not.toMatch(/\x1b|\x07/);
  });

  it('says SSH_UNSUPPORTED when the server offers only methods ssh2 cannot do', async () => {
    const { target } = await serve({ methods: [['hostbased']] });
    const error = await failure(login(target));
    expect(error).toMatchObject({ code: 'SSH_UNSUPPORTED', hint: /--transport openssh/ });
    expect(error?.message).toMatch(/needs hostbased, which the ssh2 transport cannot do/);
  });
});
