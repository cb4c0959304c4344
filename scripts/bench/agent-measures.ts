// The agent's own measurements, on each transport: footprint (4) and recovery after an sshd crash next to
// autossh (7).
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
import {
  forwarderRssMiB,
  freePort,
  holdOpen,
  median,
  round,
  sleep,
  timeToFirstByte,
  waitForPort,
} from './lib.js';
import type { Section } from './measures.js';
import { connectTunnel, NOT_AVAILABLE_CELL, type Transport, TransportNotAvailable } from './tunnel-cli.js';

interface Footprint {
  forwards: number;
  blastForwards: number;
  idle: number;
  withForwards: number;
  withConnections: number;
  statusTimes: number[];
}

/**
 * One agent on one transport: RSS idle, with all forwards, with N open connections; `tunnel status` wall
 * time. RSS counts the agent and the OpenSSH transport's `ssh -M` master (forwarderRssMiB).
 */
async function agentFootprint(
  world: BenchWorld,
  options: { connections: number; statusRuns: number; transport: Transport },
): Promise<Footprint> {
  const cli = makeCliEnv();
  const sockets: net.Socket[] = [];
  try {
    await runCli(cli, ['agent', 'start']);
    await sleep(1000);
    const pid = agentPid(cli);
    if (pid === undefined) throw new Error('agent start: no agent');
    const idle = forwarderRssMiB(pid);
    const side = await connectTunnel(cli, {
      configFile: world.devserver.sshConfigFile,
      transport: options.transport,
    });
    const blast = [...side.ports].filter(([remote]) => remote >= FIRST_PORT).map(([, local]) => local);
    await sleep(1000);
    const withForwards = forwarderRssMiB(pid);
    for (let i = 0; i < options.connections; i++) {
      sockets.push(await holdOpen({ host: '127.0.0.1', port: blast[i % blast.length]! }));
    }
    await sleep(1000);
    const withConnections = forwarderRssMiB(pid);
    const statusTimes: number[] = [];
    for (let i = 0; i < options.statusRuns; i++) {
      const started = process.hrtime.bigint();
      const result = await runCli(cli, ['status']);
      if (result.code !== 0) throw new Error(`status: ${result.stderr}`);
      statusTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const forwards = side.ports.size;
    return { forwards, blastForwards: blast.length, idle, withForwards, withConnections, statusTimes };
  } finally {
    for (const socket of sockets) socket.destroy();
    await disposeCli(cli);
  }
}

/** (4): the footprint of an agent on the ssh2 transport, and of one on the OpenSSH transport beside it. */
export async function footprint(
  world: BenchWorld,
  options: { connections: number; statusRuns: number },
): Promise<Section> {
  const ssh2 = await agentFootprint(world, { ...options, transport: 'ssh2' });
  let openssh: Footprint | string;
  try {
    openssh = await agentFootprint(world, { ...options, transport: 'openssh' });
  } catch (error) {
    if (!(error instanceof TransportNotAvailable)) throw error;
    openssh = `${NOT_AVAILABLE_CELL} (${error.message})`;
  }
  const cell = (pick: (f: Footprint) => number) => [
    round(pick(ssh2)),
    typeof openssh === 'string' ? openssh : round(pick(openssh)),
  ];
  return {
    id: 'footprint',
    title: `Agent footprint (${ssh2.forwards} forwards, ${options.connections} open connections; RSS of the agent plus, on OpenSSH, its ssh master)`,
    params: { ...options, forwards: ssh2.forwards },
    columns: ['measure', 'tunnel (ssh2)', 'tunnel-openssh'],
    rows: [
      ['agent RSS idle (no session), MiB', ...cell((f) => f.idle)],
      [
        `agent RSS with ${ssh2.forwards} forwards (${ssh2.blastForwards} blast + API), MiB`,
        ...cell((f) => f.withForwards),
      ],
      [`agent RSS with ${options.connections} open connections, MiB`, ...cell((f) => f.withConnections)],
      [
        `\`tunnel status\` wall time p50 (of ${options.statusRuns}), ms`,
        ...cell((f) => median(f.statusTimes)),
      ],
      ['`tunnel status` wall time max, ms', ...cell((f) => Math.max(...f.statusTimes))],
    ],
    data: { ssh2, openssh },
  };
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
 * reply through the tunnel's forward (each transport) and through autossh's ssh -L. Run last: it kills every
 * link's ssh -L.
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
  const times = { tunnel: [] as number[], 'tunnel-openssh': [] as number[], autossh: [] as number[] };
  // The OpenSSH transport's master dies with sshd too; its agent reconnects with a new master.
  const opensshPort = link.openssh ? link.endpoint('tunnel-openssh', 0).port : undefined;
  try {
    await waitForPort({ host: '127.0.0.1', port: local });
    const tunnelPort = link.endpoint('tunnel', 0).port;
    for (let trial = 0; trial < options.trials; trial++) {
      await timeToFirstByte({ host: '127.0.0.1', port: local });
      await timeToFirstByte({ host: '127.0.0.1', port: tunnelPort });
      if (opensshPort !== undefined) await timeToFirstByte({ host: '127.0.0.1', port: opensshPort });
      await world.devserver.sshd.crash();
      await sleep(options.downMs);
      await world.devserver.sshd.restart();
      const back = Date.now();
      const [viaTunnel, viaAutossh, viaOpenSsh] = await Promise.all([
        firstGoodReply(tunnelPort, back, 60_000),
        firstGoodReply(local, back, 60_000),
        opensshPort === undefined ? Number.NaN : firstGoodReply(opensshPort, back, 60_000),
      ]);
      times.tunnel.push(viaTunnel);
      times.autossh.push(viaAutossh);
      if (opensshPort !== undefined) times['tunnel-openssh'].push(viaOpenSsh);
    }
  } finally {
    await stopChild(autossh);
  }
  const recoveryPaths = (['tunnel', 'tunnel-openssh', 'autossh'] as const).filter(
    (p) => p !== 'tunnel-openssh' || opensshPort !== undefined,
  );
  return {
    id: `recovery-${link.addedRttMs}ms`,
    title: `Recovery, ${link.name}: sshd kill -9 (with sessions), down ${options.downMs} ms, restarted; ms from its return to the first good reply (${options.trials} trials)`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'median ms', 'max ms', 'all'],
    rows: recoveryPaths.map((p) => [
      p === 'autossh'
        ? `autossh -M 0 ServerAliveInterval=${options.aliveIntervalS} CountMax=${options.aliveCountMax}`
        : p,
      median(times[p]),
      Math.max(...times[p]),
      times[p].join(', '),
    ]),
    data: times,
  };
}
