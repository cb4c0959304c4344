// A `tunnel connect` that fails: it takes down the agent it started (never one that already ran), its
// message carries no carriage return from the ProxyCommand's stderr, and `--foreground` does not claim
// to retry a first connect it gives up on. The dev server is a ProxyCommand that fails like `ssh -W`.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentPid, type CliEnv, cliEnvsPerTest, runCli, spawnCli } from './cli-helpers.js';
import { canScanProcesses, killPids, processesOnState } from './state-processes.js';

const newCli = cliEnvsPerTest();

/** ssh -W's words when sshd behind a jump host is down, with the CRLF ssh writes in raw mode. */
const PROXY_SAYS =
  'kex_exchange_identification: Connection closed by remote host\\r\\nConnection closed by UNKNOWN port 65535\\r\\n';

/** An ssh config whose host `broken` fails through its ProxyCommand, or hangs (for Ctrl-C). */
function sshConfig(cli: CliEnv, behaviour: 'fails' | 'hangs'): string {
  const command =
    behaviour === 'fails' ? `sh -c "printf '${PROXY_SAYS}' >&2; sleep 0.3; exit 255"` : 'sleep 30';
  const file = path.join(cli.home, 'ssh_config');
  fs.writeFileSync(file, `Host broken\n  HostName 127.0.0.1\n  ProxyCommand ${command}\n`);
  return file;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a failed tunnel connect', () => {
  it.skipIf(!canScanProcesses)('stops the agent it started; no carriage return in the message', async () => {
    const cli = newCli();
    const result = await runCli(cli, ['--ssh-config', sshConfig(cli, 'fails'), 'connect', 'broken']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Connection closed by remote host | Connection closed by UNKNOWN port');
    expect(result.stderr).not.toMatch(/\r|\\x0d/);
    const left = processesOnState(cli.env.TUNNEL_HOME!);
    killPids(left);
    expect(left, 'agent processes left running').toEqual([]);
    const status = await runCli(cli, ['agent', 'status']);
    expect(status.stdout).not.toMatch(/agent: running/);
  });

  it('leaves an agent that was already running', async () => {
    const cli = newCli();
    expect((await runCli(cli, ['agent', 'start'])).code).toBe(0);
    const pid = agentPid(cli);
    expect(pid).toBeGreaterThan(0);
    const result = await runCli(cli, ['--ssh-config', sshConfig(cli, 'fails'), 'connect', 'broken']);
    expect(result.code).not.toBe(0);
    expect(isAlive(pid!)).toBe(true);
    expect((await runCli(cli, ['agent', 'status'])).stdout).toContain(`pid ${pid}`);
  });

  it.skipIf(!canScanProcesses)(
    'interrupted (Ctrl-C) while connecting: stops the agent it started',
    async () => {
      const cli = newCli();
      const { child, output } = spawnCli(cli, ['--ssh-config', sshConfig(cli, 'hangs'), 'connect', 'broken']);
      // Interrupt once the agent is up and the connect is in flight: its ProxyCommand (`sleep 30`) runs.
      const proxyRuns = () =>
        processesOnState(cli.env.TUNNEL_HOME!).some((pid) => /^sleep\0/.test(commandLine(pid)));
      for (let waited = 0; waited < 15_000 && !proxyRuns(); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(proxyRuns(), output().stderr).toBe(true);
      child.kill('SIGINT');
      const code = await new Promise((resolve) => child.on('close', resolve));
      // 130, the exit code of an interrupted command (as `image push` and `demo` use it).
      expect(code, output().stderr).toBe(130);
      expect(output().stderr).toContain('connect broken interrupted');
      const left = processesOnState(cli.env.TUNNEL_HOME!);
      killPids(left);
      expect(left, 'processes left running (the agent, its ProxyCommand)').toEqual([]);
    },
  );

  it('with --foreground, a first connect that fails ends the command without promising a retry', async () => {
    const cli = newCli();
    const config = sshConfig(cli, 'fails');
    const result = await runCli(cli, ['--ssh-config', config, 'connect', 'broken', '--foreground']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Connection closed by UNKNOWN port 65535');
    expect(result.stderr).not.toMatch(/reconnecting|next attempt|next try/);
  });
});
