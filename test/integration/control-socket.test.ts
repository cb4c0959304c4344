// The control socket's file-system side: permissions, stale and live sockets, the sun_path fallback.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { controlSocketPath } from '../../src/config/paths.js';
import { client, env, start, useControlSandbox } from './control-helpers.js';

useControlSandbox();

describe('control socket', () => {
  it('makes the socket 0600 inside a 0700 directory it creates', async () => {
    await start();
    expect(fs.statSync(path.dirname(env.socketPath)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(env.socketPath).mode & 0o777).toBe(0o600);
  });

  it('refuses a group- or world-writable directory', async () => {
    fs.mkdirSync(path.dirname(env.socketPath), { mode: 0o700 });
    fs.chmodSync(path.dirname(env.socketPath), 0o777);
    await expect(start()).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining('writable'),
    });
  });

  it('replaces a stale socket file left by an agent killed with -9', async () => {
    fs.mkdirSync(path.dirname(env.socketPath), { mode: 0o700 });
    const script = `require('net').createServer().listen(${JSON.stringify(env.socketPath)}, () => console.log('ready'))`;
    const agent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => agent.stdout.once('data', resolve));
    const exited = new Promise((resolve) => agent.once('exit', resolve));
    agent.kill('SIGKILL');
    await exited;
    // SIGKILL gives no chance to clean up: the file stays and nobody listens on it.
    expect(fs.lstatSync(env.socketPath).isSocket()).toBe(true);
    await start();
    expect((await (await client()).hello('0.1.0')).agentVersion).toBe('9.9.9');
  });

  it('refuses a non-socket file where the socket must go', async () => {
    fs.mkdirSync(path.dirname(env.socketPath), { mode: 0o700 });
    fs.writeFileSync(env.socketPath, 'not a socket');
    await expect(start()).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining('not a socket'),
    });
    expect(fs.readFileSync(env.socketPath, 'utf8')).toBe('not a socket');
  });

  it('refuses to start while another agent listens, and that agent keeps serving', async () => {
    await start();
    await expect(start()).rejects.toMatchObject({
      code: 'AGENT',
      message: expect.stringContaining('already listening'),
    });
    expect((await (await client()).hello('0.1.0')).agentVersion).toBe('9.9.9');
  });

  it('works under a TUNNEL_HOME too long for sun_path, via the short fallback path', async () => {
    const home = path.join(env.dir, 'a-rather-long-directory-name-for-testing'.repeat(3));
    // TUNNEL_SOCKET_TMP inside the test's directory: the fallback <tmp>/tunnel-<uid>/ is removed with it.
    env.socketPath = controlSocketPath({ TUNNEL_HOME: home, TUNNEL_SOCKET_TMP: env.dir }, process.platform);
    expect(env.socketPath.startsWith(home)).toBe(false);
    expect(env.socketPath.startsWith(env.dir)).toBe(true);
    await start();
    expect(fs.statSync(path.dirname(env.socketPath)).mode & 0o777).toBe(0o700);
    expect((await (await client()).hello('0.1.0')).agentVersion).toBe('9.9.9');
  });
});
