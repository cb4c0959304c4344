// The agent's own measurements: footprint (4) and recovery after an sshd crash next to autossh (7).
import { spawn } from 'node:child_process';
import type net from 'node:net';
import {
  agentPid,
  type BenchWorld,
  disposeCli,
  FIRST_PORT,
  type Link,
  makeCliEnv,
  runCli,
  sshForwardArgs,
  stopChild,
} from './env.js';
import { freePort, holdOpen, median, round, rssMiB, sleep, timeToFirstByte, waitForPort } from './lib.js';
import type { Section } from './measures.js';

/** (4): agent RSS idle, with all forwards, with N open connections; `tunnel status` wall time. */
export async function footprint(
  world: BenchWorld,
  options: { connections: number; statusRuns: number },
): Promise<Section> {
  const cli = makeCliEnv();
  const sockets: net.Socket[] = [];
  try {
    await runCli(cli, ['agent', 'start']);
    await sleep(1000);
    const pid = agentPid(cli);
    if (pid === undefined) throw new Error('agent start: no agent');
    const idle = rssMiB(pid);
    const connected = await runCli(cli, [
      ...['--ssh-config', world.devserver.sshConfigFile, 'connect', 'devserver', '--no-kubeconfig'],
    ]);
    if (connected.code !== 0) throw new Error(`connect: ${connected.stderr}`);
    const doc = JSON.parse((await runCli(cli, ['status', '--json'])).stdout) as {
      sessions: { clusters: { forwards: { remotePort: number; localPort: number }[] }[] }[];
    };
    const allForwards = doc.sessions.flatMap((s) => s.clusters.flatMap((c) => c.forwards));
    const forwards = allForwards.filter((f) => f.remotePort >= FIRST_PORT);
    await sleep(1000);
    const withForwards = rssMiB(pid);
    for (let i = 0; i < options.connections; i++) {
      const forward = forwards[i % forwards.length]!;
      sockets.push(await holdOpen({ host: '127.0.0.1', port: forward.localPort }));
    }
    await sleep(1000);
    const withConnections = rssMiB(pid);
    const statusTimes: number[] = [];
    for (let i = 0; i < options.statusRuns; i++) {
      const started = process.hrtime.bigint();
      const result = await runCli(cli, ['status']);
      if (result.code !== 0) throw new Error(`status: ${result.stderr}`);
      statusTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return {
      id: 'footprint',
      title: `Agent footprint (${allForwards.length} forwards, ${options.connections} open connections)`,
      params: { ...options, forwards: allForwards.length },
      columns: ['measure', 'value'],
      rows: [
        ['agent RSS idle (no session), MiB', round(idle)],
        [
          `agent RSS with ${allForwards.length} forwards (${forwards.length} blast + API), MiB`,
          round(withForwards),
        ],
        [`agent RSS with ${options.connections} open connections, MiB`, round(withConnections)],
        [`\`tunnel status\` wall time p50 (of ${options.statusRuns}), ms`, round(median(statusTimes))],
        ['`tunnel status` wall time max, ms', round(Math.max(...statusTimes))],
      ],
      data: {
        idleMiB: idle,
        withForwardsMiB: withForwards,
        withConnectionsMiB: withConnections,
        statusTimes,
      },
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    await disposeCli(cli);
  }
}

/** Polls with fresh connections until one gets its first byte; ms since `since`. */
async function firstGoodReply(port: number, since: number, timeoutMs: number): Promise<number> {
  while (Date.now() - since < timeoutMs) {
    try {
      await timeToFirstByte({ host: '127.0.0.1', port }, 2000);
      return Date.now() - since;
    } catch {
      await sleep(50);
    }
  }
  return Number.NaN;
}

/**
 * (7): sshd killed (-9, with its sessions) and restarted after downMs; time from its return to the first good
 * reply through the tunnel's forward and through autossh's ssh -L. Run last: it kills every link's ssh -L.
 */
export async function recovery(
  world: BenchWorld,
  link: Link,
  options: { trials: number; downMs: number; aliveIntervalS: number; aliveCountMax: number },
): Promise<Section> {
  const local = await freePort();
  const args = [
    ...['-M', '0', '-o', `ServerAliveInterval=${options.aliveIntervalS}`],
    ...['-o', `ServerAliveCountMax=${options.aliveCountMax}`],
    ...sshForwardArgs(link.sshConfigFile, [[local, FIRST_PORT]]),
  ];
  // GATETIME 0: otherwise autossh gives up when ssh fails within 30 s of its first start.
  const autossh = spawn('autossh', args, {
    stdio: 'ignore',
    env: { ...process.env, AUTOSSH_GATETIME: '0', AUTOSSH_POLL: '10' },
  });
  const times = { tunnel: [] as number[], autossh: [] as number[] };
  try {
    await waitForPort({ host: '127.0.0.1', port: local });
    const tunnelPort = link.endpoint('tunnel', 0).port;
    for (let trial = 0; trial < options.trials; trial++) {
      await timeToFirstByte({ host: '127.0.0.1', port: local });
      await timeToFirstByte({ host: '127.0.0.1', port: tunnelPort });
      await world.devserver.sshd.crash();
      await sleep(options.downMs);
      await world.devserver.sshd.restart();
      const back = Date.now();
      const [viaTunnel, viaAutossh] = await Promise.all([
        firstGoodReply(tunnelPort, back, 60_000),
        firstGoodReply(local, back, 60_000),
      ]);
      times.tunnel.push(viaTunnel);
      times.autossh.push(viaAutossh);
    }
  } finally {
    await stopChild(autossh);
  }
  return {
    id: `recovery-${link.addedRttMs}ms`,
    title: `Recovery, ${link.name}: sshd kill -9 (with sessions), down ${options.downMs} ms, restarted; ms from its return to the first good reply (${options.trials} trials)`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'median ms', 'max ms', 'all'],
    rows: (['tunnel', 'autossh'] as const).map((p) => [
      p === 'autossh'
        ? `autossh -M 0 ServerAliveInterval=${options.aliveIntervalS} CountMax=${options.aliveCountMax}`
        : 'tunnel',
      median(times[p]),
      Math.max(...times[p]),
      times[p].join(', '),
    ]),
    data: times,
  };
}
