// (8): memory per local client that never reads. N clients each ask the blast server for an endless
// download through one forward and then never read; the forwarding process (the agent, or ssh -L) can
// only buffer what the SSH window lets through. RSS above idle while they sit, and after they close.
import net from 'node:net';
import { type Link, type PathName, pathsOf } from './env.js';
import { type Endpoint, forwarderRssMiB, round, rssMiB, sleep } from './lib.js';
import type { Section } from './measures.js';

const PATHS: PathName[] = ['tunnel', 'tunnel-openssh', 'ssh'];
/** Far more than any window: the server keeps sending for as long as it is allowed to. */
const ENDLESS_BYTES = 64 * 1024 * 1024 * 1024;

/** Connects and asks for an endless download, then reads nothing (the kernel and our side fill up). */
function nonReadingClient(endpoint: Endpoint): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...endpoint, allowHalfOpen: true }, () => {
      socket.pause();
      socket.write(`D${ENDLESS_BYTES}\n`);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Polls RSS until it moved less than 1 MiB over the last 2 s (or maxMs passed); returns the last value. */
async function settledRss(rss: () => number, maxMs: number): Promise<number> {
  const samples: number[] = [rss()];
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    await sleep(500);
    samples.push(rss());
    const recent = samples.slice(-5);
    if (recent.length === 5 && Math.max(...recent) - Math.min(...recent) < 1) break;
  }
  return samples[samples.length - 1] as number;
}

interface PathRss {
  idle: number;
  held: number;
  after: number;
}

async function measurePath(link: Link, pathName: PathName, clients: number): Promise<PathRss> {
  // The OpenSSH transport buffers in the agent and in its ssh master (the agent's child): count both.
  const opensshAgent = link.openssh?.agentPid;
  const rss =
    pathName === 'tunnel-openssh' && opensshAgent !== undefined
      ? () => forwarderRssMiB(opensshAgent)
      : () => rssMiB(pathName === 'tunnel' ? link.agentPid : link.sshPid);
  const endpoint = link.endpoint(pathName, 0);
  const idle = await settledRss(rss, 10_000);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < clients; i++) sockets.push(await nonReadingClient(endpoint));
    const held = await settledRss(rss, 30_000);
    for (const socket of sockets.splice(0)) socket.destroy();
    // The agent collects what closed connections left behind a moment after the last one (reclaim.ts).
    await sleep(5_000);
    const after = await settledRss(rss, 15_000);
    return { idle, held: held - idle, after: after - idle };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** RSS of the forwarding process with `clients` non-reading clients on one forward, tunnel next to ssh -L. */
export async function nonReadingMemory(link: Link, options: { clients: number }): Promise<Section> {
  const paths = pathsOf(link, PATHS);
  const results = {} as Record<PathName, PathRss>;
  for (const pathName of paths) results[pathName] = await measurePath(link, pathName, options.clients);
  const ssh = results.ssh;
  const perClient = (value: number) => round(value / options.clients, 2);
  const tunnels = paths.filter((p) => p !== 'ssh');
  const row = (label: string, value: (r: PathRss) => number, ratio: boolean) => [
    label,
    ...tunnels.map((p) => round(value(results[p]))),
    round(value(ssh)),
    ...(ratio ? tunnels.map((p) => round(value(results[p]) / value(ssh), 2)) : tunnels.map(() => '')),
  ];
  return {
    id: `rss-nonreading-${link.addedRttMs}ms`,
    title: `RSS with ${options.clients} non-reading clients on one forward, ${link.name} (MiB above idle; the server sends without end, the clients never read)`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['measure', ...tunnels, 'ssh -L', ...tunnels.map((p) => `${p} / ssh -L`)],
    rows: [
      row('idle RSS, MiB', (r) => r.idle, false),
      row(`RSS with ${options.clients} non-reading clients (MiB above idle)`, (r) => r.held, true),
      [
        'per client, MiB',
        ...tunnels.map((p) => perClient(results[p].held)),
        perClient(ssh.held),
        ...tunnels.map(() => ''),
      ],
      row('after they close (MiB above idle)', (r) => r.after, false),
    ],
    data: results,
  };
}
