// What an ssh2 login sends when an answer is missing or refused (review of issue 12): an unanswered
// keyboard-interactive prompt ends the login without an empty response; a refused password is marked
// (answerWasRefused) so an unattended session stops retrying it; keys only OpenSSH can offer stop the
// login before anyone is asked; the server's method names are escaped in the failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TunnelError } from '../../../src/errors.js';
import { answerWasRefused } from '../../../src/ssh/answer-refused.js';
import { authFailure } from '../../../src/ssh/auth-failure.js';
import { openConnection } from '../../../src/ssh/connection.js';
import type { AskSecret, SshTarget } from '../../../src/ssh/types.js';
import { sshTarget } from '../../builders.js';
import { type AuthServerOptions, answering, makeKey, serveTarget } from './auth-server.js';

let dir: string;
let key: string;
const stops: Array<() => Promise<void>> = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-auth-refusals-'));
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
    overrides: { identityFiles: [] },
  });
}

async function failure(target: SshTarget, askSecret?: AskSecret): Promise<TunnelError | undefined> {
  try {
    const connection = await openConnection(target, {
      hostKeyPolicy: { acceptNewHostKey: false },
      ...(askSecret ? { askSecret } : {}),
    });
    connection.close();
    return undefined;
  } catch (error) {
    return error as TunnelError;
  }
}

describe('unanswered and refused answers (ssh2 transport)', () => {
  it('ends the login when a keyboard-interactive prompt goes unanswered: no empty answer is sent', async () => {
    const { server, target } = await serve({
      methods: [['keyboard-interactive']],
      keyboard: {
        prompts: [
          { prompt: 'Password: ', echo: false },
          { prompt: 'Code: ', echo: false },
        ],
        answers: ['pw', '1'],
      },
    });
    const { asked, askSecret } = answering(['pw', undefined]);
    const error = await failure(target, askSecret);
    expect(error).toMatchObject({ code: 'SSH_NEEDS_ANSWER', message: /"\(me@127\.0\.0\.1\) Code:"/ });
    expect(asked).toHaveLength(2);
    expect(server.requests).toEqual(['none', 'keyboard-interactive']);
    // The server never got a response, empty or not.
    expect(server.answers).toEqual([]);
    expect(answerWasRefused(error)).toBe(false);
  });

  it('marks a refused password or code (sent, then denied); a login that sent none is not marked', async () => {
    const { target } = await serve({
      methods: [['password'], ['keyboard-interactive']],
      password: 'right',
      keyboard: { prompts: [{ prompt: 'Code: ', echo: false }], answers: ['42'] },
    });
    const refused = await failure(
      { ...target, numberOfPasswordPrompts: 1 },
      answering(['wrong', '7']).askSecret,
    );
    expect(refused).toMatchObject({ code: 'SSH_AUTH' });
    expect(answerWasRefused(refused)).toBe(true);
    const keyOnly = await serve({ methods: [['publickey']] });
    const denied = await failure({ ...keyOnly.target, identityFiles: [key] });
    expect(denied).toMatchObject({ code: 'SSH_AUTH' });
    expect(answerWasRefused(denied)).toBe(false);
  });

  it('stops before asking anything when a certificate only OpenSSH can offer remains and publickey is open', async () => {
    const certificate = path.join(dir, 'id_ed25519-cert.pub');
    fs.writeFileSync(certificate, 'ssh-ed25519-cert-v01@openssh.com AAAA test\n');
    const { server, target } = await serve({ methods: [['publickey'], ['password']], password: 'pw' });
    const { asked, askSecret } = answering(['pw']);
    const error = await failure(
      { ...target, identityFiles: [key], certificateFiles: [certificate] },
      askSecret,
    );
    expect(error).toMatchObject({ code: 'SSH_UNSUPPORTED', hint: /--transport openssh/ });
    expect(error?.message).toContain(certificate);
    expect(asked).toEqual([]);
    expect(server.requests).not.toContain('password');
    fs.rmSync(certificate);
  });
});

describe('authFailure', () => {
  const facts = {
    target: sshTarget({ user: 'me', hostName: 'dev', port: 22 }),
    tried: ['password'],
    accepted: [],
    skipped: [{ path: 'agent cert', reason: 'a certificate', ssh2Unusable: true }],
    unanswered: [],
    noAskReason: undefined,
  };

  it('is not SSH_UNSUPPORTED once a password was sent and refused (OpenSSH would ask it again)', () => {
    const error = authFailure({ ...facts, methods: ['publickey', 'password'], answersSent: 1 });
    expect(error.code).toBe('SSH_AUTH');
    expect(answerWasRefused(error)).toBe(true);
  });

  it("escapes and bounds the server's method names", () => {
    const hostile = ['gssapi\x1b]0;pwned\x07', `x${'y'.repeat(5000)}`];
    const unsupported = authFailure({ ...facts, skipped: [], methods: hostile });
    expect(unsupported.code).toBe('SSH_UNSUPPORTED');
    expect(unsupported.message).not.toMatch(/\x1b|\x07/);
    expect(unsupported.message).toContain('gssapi\\x1b]0;pwned\\x07');
    expect(unsupported.message.length).toBeLessThan(600);
    const denied = authFailure({
      ...facts,
      skipped: [],
      methods: ['password', 'evil\x1b[2J'],
      answersSent: 1,
    });
    expect(denied.message).toContain('the server only offers: password, evil\\x1b[2J');
  });
});
