// The control socket's fallback path (a state path too long for sun_path) must not depend on TMPDIR:
// launchd may start the login item's agent with none (or another one), while Terminal's shell has the
// per-user /var/folders/…/T/. Here the agent is started as the login item starts it (`node bin/tunnel.js
// __agent`, no TMPDIR), and the CLI, with another TMPDIR, must find that very agent.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyControlSocketPath } from '../../src/config/paths.js';
import { OLD_AGENT } from './agent-helpers.js';
import { BIN, cliEnvsPerTest, runCli } from './cli-helpers.js';

const newCli = cliEnvsPerTest();

describe('control socket fallback and TMPDIR', () => {
  it('an agent started without TMPDIR and a CLI with a /var/folders-like TMPDIR meet on one socket', async () => {
    const cli = newCli();
    cli.env.TUNNEL_HOME = path.join(cli.home, 'a-rather-long-directory-name-for-testing'.repeat(3));
    // The shared /tmp of the fallback, kept inside this test's directory (removed with it).
    cli.env.TUNNEL_SOCKET_TMP = path.join(cli.home, 'shared-tmp');
    fs.mkdirSync(cli.env.TUNNEL_SOCKET_TMP, { mode: 0o700 });
    const terminalTmp = path.join(cli.home, 'var', 'folders', 'zz', 'zyxvpxvq6csfxvn_n0000000000000', 'T');
    fs.mkdirSync(terminalTmp, { recursive: true, mode: 0o700 });

    const { TMPDIR: _unset, ...launchdEnv } = cli.env;
    const agent = spawn(process.execPath, [BIN, '__agent'], { env: launchdEnv, stdio: 'ignore' });
    try {
      const shellEnv = { ...cli.env, TMPDIR: `${terminalTmp}/` };
      await expect
        .poll(
          async () => {
            const result = await runCli({ ...cli, env: shellEnv }, ['agent', 'status', '--json']);
            return result.code === 0 ? (JSON.parse(result.stdout) as { pid: number | null }).pid : null;
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBe(agent.pid);
    } finally {
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      if (agent.exitCode === null) agent.kill();
      await exited;
    }
  });

  // Releases before this one put the fallback under $TMPDIR. After an upgrade, an agent an older CLI
  // started from a Terminal still listens there: the new CLI must find it (not start a second agent
  // beside it, whose restored sessions would collide on its ports) and replace it as any older agent.
  it("finds an older release's agent on the old $TMPDIR socket and replaces it", async () => {
    const cli = newCli();
    cli.env.TUNNEL_HOME = path.join(cli.home, 'a-rather-long-directory-name-for-testing'.repeat(3));
    cli.env.TUNNEL_SOCKET_TMP = path.join(cli.home, 'shared-tmp');
    fs.mkdirSync(cli.env.TUNNEL_SOCKET_TMP, { mode: 0o700 });
    const terminalTmp = path.join(cli.home, 'var', 'folders', 'T');
    fs.mkdirSync(terminalTmp, { recursive: true, mode: 0o700 });
    cli.env.TMPDIR = `${terminalTmp}/`;
    const oldSocket = legacyControlSocketPath(cli.env) as string;
    expect(oldSocket.startsWith(terminalTmp)).toBe(true);
    fs.mkdirSync(cli.env.TUNNEL_HOME, { recursive: true, mode: 0o700 });
    const lockFile = path.join(cli.env.TUNNEL_HOME, 'agent.lock');
    const script = path.join(cli.home, 'old-agent.mjs');
    fs.writeFileSync(script, OLD_AGENT);
    const old = spawn(process.execPath, [script, oldSocket, lockFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise((resolve, reject) => {
        old.stdout.once('data', resolve);
        old.once('exit', () => reject(new Error('the old agent exited before it listened')));
      });
      // ensureAgent stops an agent of another version and waits for its exit before it starts one.
      const started = await runCli(cli, ['agent', 'start']);
      expect(started.code).toBe(0);
      await expect.poll(() => old.exitCode, { timeout: 5_000 }).toBe(0);
      const now = JSON.parse((await runCli(cli, ['agent', 'status', '--json'])).stdout) as { pid: number };
      expect(now.pid).not.toBe(old.pid);
      expect(started.stdout).toContain(`(pid ${now.pid})`);
      expect(await runCli(cli, ['agent', 'stop'])).toMatchObject({ code: 0 });
    } finally {
      if (old.exitCode === null && old.signalCode === null) old.kill('SIGKILL');
    }
  });
});
