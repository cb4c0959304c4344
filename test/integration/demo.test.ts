// `tunnel demo` as a newcomer runs it: the real CLI binary, in a fresh HOME. It must succeed on its own (no
// dev server, no sshd), show the forward table, the app's reply and kubectl, and leave nothing behind.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accepts, run } from '../devserver/client.js';
import { isRoot } from '../devserver/netns.js';
import { BIN, type CliResult } from './cli-helpers.js';

const homes: string[] = [];

afterEach(() => {
  for (const home of homes.splice(0)) fs.rmSync(home, { recursive: true, force: true });
});

function freshHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-demo-test-'));
  homes.push(home);
  fs.mkdirSync(path.join(home, '.kube'));
  fs.writeFileSync(
    path.join(home, '.kube', 'config'),
    'apiVersion: v1\nkind: Config\n# mine, do not touch\n',
  );
  return home;
}

async function demo(home: string): Promise<CliResult> {
  return await run(process.execPath, [BIN, 'demo'], 60_000, { PATH: process.env.PATH, HOME: home });
}

/** The demo in a network namespace of its own (loopback only, nothing listening): gone when it exits. */
async function demoInEmptyNetwork(home: string): Promise<CliResult> {
  const script = 'ip link set lo up && exec "$@"';
  const args = ['--net', 'sh', '-c', script, 'sh', process.execPath, BIN, 'demo'];
  return await run('unshare', args, 60_000, { PATH: process.env.PATH, HOME: home });
}

/** Running, not a zombie waiting for whoever adopted it (the agent is detached, its parent gone). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // No /proc (macOS): kill(0) said it exists.
  }
}

/** Holds 127.0.0.1:port if it is free; undefined when something else already holds it (fine too). */
function hold(port: number): Promise<net.Server | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('tunnel demo', () => {
  it('walks through connect, curl, kubectl and status, then leaves nothing running or written', async () => {
    const home = freshHome();
    const kubeconfigBefore = fs.readFileSync(path.join(home, '.kube', 'config'), 'utf8');
    const result = await demo(home);
    expect(result.stderr).toBe('');
    expect(result.code, result.stdout).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/CLUSTER +KIND +SERVICE +LOCAL +VIA/);
    // SERVICE: "-", or the Service the demo cluster's API names behind nodePort 30080.
    expect(out).toMatch(/demo +service +\S+ +127\.0\.0\.1:\d+ +host port 8080 → nodePort 30080/);
    expect(out).toContain('hello from demo via nodePort 30080 (host port 8080)');
    expect(out).toMatch(/STATE +CONNS/);
    expect(out).toMatch(/hello-7c9d6f5b8d-x2kqp +1\/1 +Running/);

    const agentPid = Number(/agent pid (\d+)/.exec(out)?.[1]);
    expect(agentPid).toBeGreaterThan(0);
    expect(isRunning(agentPid), `agent ${agentPid}`).toBe(false);
    const sshPort = Number(/An SSH server on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const localPorts = [...out.matchAll(/demo +(?:api|service) +\S+ +127\.0\.0\.1:(\d+)/g)].map((match) =>
      Number(match[1]),
    );
    expect(localPorts.length).toBeGreaterThanOrEqual(2);
    for (const port of [sshPort, ...localPorts]) expect(await accepts(port), `port ${port}`).toBe(false);
    const dir = /ssh config naming it "tunnel-demo" is\n {2}(\S+)\/ssh_config/.exec(out)?.[1];
    expect(dir).toBeDefined();
    expect(fs.existsSync(dir!)).toBe(false);

    expect(fs.readFileSync(path.join(home, '.kube', 'config'), 'utf8')).toBe(kubeconfigBefore);
    expect(fs.readdirSync(home)).toEqual(['.kube']);
    // kubectl's cache (~/.kube/cache) included: the demo's kubectl runs on the demo's own state.
    expect(fs.readdirSync(path.join(home, '.kube'))).toEqual(['config']);
  });

  it.skipIf(!isRoot())(
    'keeps ports 6550 and 8080 and says nothing is in use where nothing listens (own network namespace; needs root)',
    async () => {
      const result = await demoInEmptyNetwork(freshHome());
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/demo +api +- +127\.0\.0\.1:6550 +host port 6550 /);
      expect(result.stdout).toMatch(
        /demo +service +\S+ +127\.0\.0\.1:8080 +host port 8080 → nodePort 30080 /,
      );
      expect(result.stdout).not.toMatch(/in use|busy|taken/);
      expect(result.stdout).toContain('hello from demo via nodePort 30080 (host port 8080)');
    },
  );

  it('shows the remap note when the demo app port is busy on this machine', async () => {
    const home = freshHome();
    const holder = await hold(8080);
    try {
      const result = await demo(home);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /note: 127\.0\.0\.1:8080 is in use on this machine( by [^\n]*?)?, so demo's port 8080 is at 127\.0\.0\.1:\d+/,
      );
      // The note names the holder: this test's own process, when it was the one that got the port.
      if (holder) expect(result.stdout).toContain(`by node (pid ${process.pid})`);
      expect(result.stdout).toContain('hello from demo via nodePort 30080 (host port 8080)');
    } finally {
      await new Promise((resolve) => (holder ? holder.close(resolve) : resolve(undefined)));
    }
  });
});
