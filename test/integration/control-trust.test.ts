// Whoever answers on the control-socket path must be us: a second local user who creates the directory
// first, plants a symlink or a socket, or listens there, is refused before the CLI sends a byte, and the
// agent will not use a directory it does not own.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { controlSocketPath } from '../../src/config/paths.js';
import { AgentUnavailableError } from '../../src/control/client.js';
import { connectControl } from '../../src/control/connect.js';
import { makeCliEnv, runCli } from './cli-process.js';
import { client, env, start, useControlSandbox } from './control-helpers.js';
import { type Impostor, NOBODY, startImpostor } from './impostor.js';

useControlSandbox();

const impostors: Impostor[] = [];
afterEach(async () => {
  for (const impostor of impostors.splice(0)) await impostor.stop();
});

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  console.warn('control-trust.test.ts: tests with a second local user skipped: chown and setpriv need root');
}

/** The sun_path fallback under a /tmp-like (sticky, world-writable) directory, as on a real machine. */
function fallbackSocketPath(): string {
  fs.chmodSync(env.dir, 0o1777);
  const home = path.join(env.dir, 'a-rather-long-directory-name-for-testing'.repeat(3));
  const socketPath = controlSocketPath({ TUNNEL_HOME: home, TUNNEL_SOCKET_TMP: env.dir }, process.platform);
  expect(path.dirname(path.dirname(socketPath))).toBe(env.dir);
  return socketPath;
}

describe('control socket trust', () => {
  it.skipIf(!isRoot)('refuses a fallback directory another user created first, sending nothing', async () => {
    const socketPath = fallbackSocketPath();
    const impostor = await startImpostor(socketPath, true);
    impostors.push(impostor);
    const dir = path.dirname(socketPath);
    expect(fs.lstatSync(dir).uid).toBe(NOBODY);

    const refused = connectControl(socketPath, { timeoutMs: 2000 });
    await expect(refused).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining(`${dir} belongs to uid ${NOBODY} (nobody), not to you`),
      hint: expect.stringContaining('TUNNEL_HOME'),
    });
    await expect(refused).rejects.not.toBeInstanceOf(AgentUnavailableError);
    // The agent will not take it over either: no chmod, no reuse, the directory stays as it was.
    await expect(start(socketPath)).rejects.toMatchObject({ message: expect.stringContaining('belongs to') });
    expect(fs.lstatSync(dir).uid).toBe(NOBODY);
    expect(fs.lstatSync(dir).mode & 0o777).toBe(0o777);
    expect(await impostor.stats()).toEqual({ connections: 0, bytes: 0 });
  });

  it.skipIf(!isRoot)('refuses a listener of another user even where the files look like ours', async () => {
    // The impostor binds in our directory while it is open, then everything is made to look right
    // (0700 directory of ours, 0600 socket of ours): only the peer check can tell.
    const dir = path.dirname(env.socketPath);
    fs.chmodSync(env.dir, 0o711);
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    const impostor = await startImpostor(env.socketPath, false);
    impostors.push(impostor);
    fs.chmodSync(dir, 0o700);
    fs.chownSync(env.socketPath, 0, 0);
    fs.chmodSync(env.socketPath, 0o600);

    const refused = connectControl(env.socketPath, { timeoutMs: 2000, agentPid: process.pid });
    await expect(refused).rejects.toMatchObject({
      code: 'AGENT',
      message: `the process listening on ${env.socketPath} is not one of yours`,
    });
    // It was reached (so the peer check is what refused) but got not one byte: no hello, no passphrase.
    expect(await impostor.stats()).toEqual({ connections: 1, bytes: 0 });
  });

  it.skipIf(!isRoot)('refuses a socket that belongs to another user', async () => {
    await start();
    fs.chownSync(env.socketPath, NOBODY, NOBODY);
    await expect(client()).rejects.toMatchObject({
      code: 'AGENT',
      message: `${env.socketPath} belongs to uid ${NOBODY} (nobody), not to you`,
    });
  });

  it('refuses a group- or world-writable socket directory', async () => {
    await start();
    fs.chmodSync(path.dirname(env.socketPath), 0o770);
    await expect(client()).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining('is writable by other users (mode 770)'),
      hint: expect.stringContaining(`remove it (rm -rf ${path.dirname(env.socketPath)})`),
    });
  });

  it('refuses a directory that is writable by others above the socket directory', async () => {
    await start();
    fs.chmodSync(env.dir, 0o777);
    await expect(client()).rejects.toMatchObject({
      message: expect.stringContaining(`${env.dir} (above ${path.dirname(env.socketPath)}) is writable`),
      // An ancestor may be the home directory: the fix is chmod, never "remove it".
      hint: expect.not.stringContaining('rm -rf'),
    });
    await expect(client()).rejects.toMatchObject({ hint: expect.stringContaining(`chmod go-w ${env.dir}`) });
  });

  it('refuses a symlink in place of the socket directory, on both sides', async () => {
    const elsewhere = path.join(env.dir, 'elsewhere');
    fs.mkdirSync(elsewhere, { mode: 0o700 });
    fs.symlinkSync(elsewhere, path.dirname(env.socketPath));
    await expect(start()).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    // An agent already listening behind the link (started through the real path) is not trusted either.
    await start(path.join(elsewhere, 'agent.sock'));
    await expect(client()).rejects.toMatchObject({ message: expect.stringContaining('is a symbolic link') });
  });

  it.skipIf(!isRoot)('tunnel (the real CLI) refuses the impostor and says what to do', async () => {
    // A long state path, so the socket falls back to <TUNNEL_SOCKET_TMP>/tunnel-<uid>/, where nobody got first.
    const cli = makeCliEnv();
    try {
      fs.chmodSync(cli.home, 0o711);
      const tmp = path.join(cli.home, 'tmp');
      fs.mkdirSync(tmp, { mode: 0o1777 });
      fs.chmodSync(tmp, 0o1777);
      cli.env.TUNNEL_SOCKET_TMP = tmp;
      cli.env.TUNNEL_HOME = path.join(cli.home, 'a-rather-long-directory-name-for-testing'.repeat(3));
      const socketPath = controlSocketPath(cli.env, process.platform);
      const impostor = await startImpostor(socketPath, true);
      impostors.push(impostor);
      for (const args of [
        ['agent', 'status'],
        ['connect', 'devserver'],
      ]) {
        const result = await runCli(cli, args);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toContain(`${path.dirname(socketPath)} belongs to uid ${NOBODY} (nobody)`);
        expect(result.stderr).toContain('sudo rm -rf');
      }
      expect(await impostor.stats()).toEqual({ connections: 0, bytes: 0 });
    } finally {
      fs.rmSync(cli.home, { recursive: true, force: true });
    }
  });

  it('still says "no agent" (start one) when the directory or socket is simply missing', async () => {
    await expect(client()).rejects.toBeInstanceOf(AgentUnavailableError);
    fs.mkdirSync(path.dirname(env.socketPath), { mode: 0o700 });
    await expect(client()).rejects.toBeInstanceOf(AgentUnavailableError);
  });
});
