// The askpass relay with the real helper (bin/tunnel-askpass.mjs, run through the sh wrapper as ssh
// runs SSH_ASKPASS): the answer reaches the helper's stdout, no answer is exit status 1, a held reply
// keeps the helper waiting (its ssh must not get ""), a question whose login or helper is gone asks nobody,
// and a caller without the token gets nothing.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AskpassRelay, startAskpassRelay, wrapperScript } from '../../../src/openssh/askpass-relay.js';
import { makePrivateDir, type PrivateDir } from '../../../src/openssh/private-dir.js';
import type { AskpassRequest } from '../../../src/openssh/prompts.js';

const OPTIONS = { identityFiles: ['/k/id'] };

let dir: PrivateDir;
let relay: AskpassRelay | undefined;

beforeEach(async () => {
  dir = await makePrivateDir();
});

afterEach(async () => {
  relay?.close();
  relay = undefined;
  await dir.remove();
});

/** Runs SSH_ASKPASS as ssh does: the prompt as argv[1], SSH_ASKPASS_PROMPT set for notices. */
function askpass(env: Record<string, string>, prompt: string, hint?: string) {
  return new Promise<{ code: number; stdout: string }>((resolve) => {
    const childEnv = { ...process.env, ...env, ...(hint ? { SSH_ASKPASS_PROMPT: hint } : {}) };
    execFile(env.SSH_ASKPASS ?? '', [prompt], { env: childEnv }, (error, stdout) =>
      resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

/** A helper's request sent by hand; `hangUp` closes the socket right after it. */
function rawRequest(env: Record<string, string>, prompt: string, options: { hangUp?: boolean } = {}) {
  return new Promise<string>((resolve, reject) => {
    const line = JSON.stringify({ token: env.TUNNEL_ASKPASS_TOKEN, prompt, hint: '' });
    const socket = net.connect(dir.relayPath, () => {
      socket.write(`${line}\n`, () => {
        if (options.hangUp) socket.destroy();
      });
    });
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
    });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('the askpass relay', () => {
  it('prints the answer for ssh, exits 1 when there is none', async () => {
    const asked: AskpassRequest[] = [];
    relay = await startAskpassRelay(
      dir,
      async (request) => {
        asked.push(request);
        return request.kind === 'passphrase' ? 'sesame' : undefined;
      },
      OPTIONS,
    );
    expect(fs.statSync(dir.wrapperPath).mode & 0o777).toBe(0o700);
    expect(await askpass(relay.env, "Enter passphrase for key '/k/id': ")).toEqual({
      code: 0,
      stdout: 'sesame\n',
    });
    expect(await askpass(relay.env, "me@dev's password: ")).toEqual({ code: 1, stdout: '' });
    expect((await askpass(relay.env, 'Confirm user presence', 'none')).code).toBe(1);
    expect(asked).toEqual([
      { kind: 'passphrase', file: '/k/id' },
      { kind: 'secret', prompt: "me@dev's password: " },
      { kind: 'notice', text: 'Confirm user presence' },
    ]);
    expect(relay.env.SSH_ASKPASS_REQUIRE).toBe('force');
  });

  it('answers nobody without the token', async () => {
    let asked = 0;
    relay = await startAskpassRelay(
      dir,
      async () => {
        asked++;
        return 'secret';
      },
      OPTIONS,
    );
    expect(await askpass({ ...relay.env, TUNNEL_ASKPASS_TOKEN: 'guess' }, 'password: ')).toEqual({
      code: 1,
      stdout: '',
    });
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(dir.relayPath, () => socket.end('{"prompt":"x","hint":""}\n'));
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(raw).toBe('');
    expect(asked).toBe(0);
  });

  it('holds the helper without a reply until told, then lets it go without an answer', async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    let called = false;
    relay = await startAskpassRelay(
      dir,
      async () => {
        called = true;
        return { hold };
      },
      OPTIONS,
    );
    let finished = false;
    const helper = askpass(relay.env, "me@dev's password: ").then((result) => {
      finished = true;
      return result;
    });
    await waitFor(() => called);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(finished).toBe(false);
    release();
    expect(await helper).toEqual({ code: 1, stdout: '' });
  });

  it('asks nobody for a queued question whose helper left or whose relay closed', async () => {
    const asked: string[] = [];
    let first = (_answer: string) => {};
    relay = await startAskpassRelay(
      dir,
      (request) => {
        asked.push(request.kind === 'secret' ? request.prompt : request.kind);
        return new Promise((resolve) => {
          first = resolve;
        });
      },
      OPTIONS,
    );
    const waiting = askpass(relay.env, 'one: ');
    await waitFor(() => asked.length === 1);
    // A second question, its helper gone before its turn (its ssh was killed), and a third still there.
    await rawRequest(relay.env, 'two: ', { hangUp: true });
    const third = askpass(relay.env, 'three: ');
    await new Promise((resolve) => setTimeout(resolve, 100));
    relay.close();
    first('1');
    await waiting;
    expect(await third).toEqual({ code: 1, stdout: '' });
    expect(asked).toEqual(['one: ']);
  });

  it('stops listening when it cannot write its wrapper', async () => {
    fs.mkdirSync(dir.wrapperPath);
    await expect(startAskpassRelay(dir, async () => 'x', OPTIONS)).rejects.toThrow();
    await expect(rawRequest({ TUNNEL_ASKPASS_TOKEN: '' }, 'x')).rejects.toThrow();
  });

  it('quotes the wrapper for sh whatever the paths hold', () => {
    expect(wrapperScript("/opt/no'de", '/a b/helper.mjs')).toBe(
      "#!/bin/sh\nexec '/opt/no'\\''de' '/a b/helper.mjs' \"$@\" 2>/dev/null\n",
    );
  });

  it('keeps its directory private and short enough for socket paths', async () => {
    expect(fs.statSync(dir.path).mode & 0o777).toBe(0o700);
    expect(dir.path.startsWith(os.tmpdir())).toBe(true);
    await expect(makePrivateDir(`/tmp/${'x'.repeat(100)}`)).rejects.toMatchObject({ code: 'SSH_CONNECT' });
  });
});
