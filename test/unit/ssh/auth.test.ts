import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AnyAuthMethod } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAuth } from '../../../src/ssh/auth.js';
import { type LoginObservation, observingAuth } from '../../../src/ssh/probe.js';
import type { SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';

let dir: string;
const key = (name: string, passphrase = '') => {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', name, '-f', file]);
  return file;
};
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-auth-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function target(identityFiles: string[]): SshTarget {
  return sshTarget({ hostName: 'h', identityFiles, identitiesOnly: true, strictHostKeyChecking: 'ask' });
}

type Handler = (methods: string[] | null, partial: boolean, next: (auth: unknown) => void) => void;

/** Drives the handler like ssh2 does (first "none", then a server offering `methods`) until it gives up. */
async function drain(handler: Handler, methods = ['publickey']) {
  const offered: AnyAuthMethod[] = [];
  for (let first = true; ; first = false) {
    const next = await new Promise<unknown>((resolve) => handler(first ? null : methods, false, resolve));
    if (next === false) return offered;
    if (!first) offered.push(next as AnyAuthMethod);
    else expect(next).toMatchObject({ type: 'none' });
  }
}

describe('prepareAuth', () => {
  it('offers existing files in order, skips missing ones and encrypted ones without a terminal', async () => {
    const plain = key('plain');
    const encrypted = key('encrypted', 'secret-passphrase');
    const plan = await prepareAuth(target([path.join(dir, 'missing'), encrypted, plain]));
    const offered = await drain(plan.handler as never);
    expect(offered.map((auth) => auth.type)).toEqual(['publickey']);
    const error = plan.failure();
    expect(error.code).toBe('SSH_AUTH');
    expect(error.message).toContain(`tried ${plain}`);
    expect(error.message).toContain(`skipped ${encrypted} (encrypted`);
    expect(error.message).not.toContain('secret-passphrase');
    expect(error.hint).toBe(`Load the key into your agent, then retry: ssh-add ${encrypted}`);
  });

  it('asks for the passphrase of an encrypted key and retries a wrong one', async () => {
    const encrypted = key('encrypted2', 'right');
    const answers = ['wrong', 'right'];
    const asked: string[] = [];
    const plan = await prepareAuth(target([encrypted]), {
      askPassphrase: async (file) => {
        asked.push(file);
        return answers.shift();
      },
    });
    const offered = await drain(plan.handler as never);
    expect(asked).toEqual([encrypted, encrypted]);
    expect(offered).toHaveLength(1);
  });

  it('never offers more keys than MaxAuthTries and says which were not tried', async () => {
    const files = Array.from({ length: 8 }, (_, index) => key(`many${index}`));
    const plan = await prepareAuth(target(files));
    expect(await drain(plan.handler as never)).toHaveLength(6);
    expect(plan.failure().message).toMatch(/many6 \(not tried: sshd allows 6 attempts/);
  });

  it('says so when no key exists at all and the server offers no publickey', async () => {
    const plan = await prepareAuth(target([path.join(dir, 'nope')]), { askSecret: async () => 'x' });
    await drain(plan.handler as never, ['hostbased', 'password']);
    expect(plan.failure().message).toMatch(/tried password ×3; the server only offers: hostbased, password/);
  });
});

describe('observingAuth (doctor)', () => {
  it('names every method of a login that needed two: "publickey ED25519 SHA256:… + keyboard-interactive"', async () => {
    const plain = key('two-step');
    const observation: LoginObservation = {};
    const plan = observingAuth(
      await prepareAuth(target([plain]), { askSecret: async () => '1' }),
      observation,
    );
    const step = (methods: string[] | null, partial: boolean) =>
      new Promise<unknown>((resolve) => (plan.handler as Handler)(methods, partial, resolve));
    expect(await step(null, false)).toMatchObject({ type: 'none' });
    expect(await step(['publickey', 'password'], false)).toMatchObject({ type: 'publickey' });
    expect(observation.method).toMatch(/^publickey ED25519 SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await step(['keyboard-interactive'], true)).toMatchObject({ type: 'keyboard-interactive' });
    expect(observation.method).toMatch(
      /^publickey ED25519 SHA256:[A-Za-z0-9+/]{43} \+ keyboard-interactive$/,
    );
  });
});

describe('BatchMode', () => {
  it('asks for no passphrase either, and says why the key was skipped', async () => {
    const encrypted = key('batch-encrypted', 'pass');
    let asked = 0;
    const plan = await prepareAuth(
      { ...target([encrypted]), batchMode: true },
      {
        askPassphrase: async () => {
          asked++;
          return 'pass';
        },
      },
    );
    expect(await drain(plan.handler as never)).toEqual([]);
    expect(asked).toBe(0);
    expect(plan.failure().message).toContain(
      `${encrypted} (encrypted, and BatchMode forbids asking for its passphrase)`,
    );
  });
});
