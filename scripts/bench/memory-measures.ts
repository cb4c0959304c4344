// (8): memory per local client that never reads. N clients each ask the blast server for an endless
// download through one forward and then never read; the forwarding process (the agent, or ssh -L) can
// only buffer what the SSH window lets through. RSS above idle while they sit, and after they close.
import net from 'node:net';
import type { Link, PathName } from './env.js';
import { type Endpoint, round, rssMiB, sleep } from './lib.js';
import type { Section } from './measures.js';

const PATHS: PathName[] = ['tunnel', 'ssh'];
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
async function settledRss(pid: number, maxMs: number): Promise<number> {
  const samples: number[] = [rssMiB(pid)];
  const started = Date.now();
  while (Date.now() - started < maxMs) {
    await sleep(500);
    samples.push(rssMiB(pid));
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
  const pid = pathName === 'tunnel' ? link.agentPid : link.sshPid;
  const endpoint = link.endpoint(pathName, 0);
  const idle = await settledRss(pid, 10_000);
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < clients; i++) sockets.push(await nonReadingClient(endpoint));
    const held = await settledRss(pid, 30_000);
    for (const socket of sockets.splice(0)) socket.destroy();
    // The agent collects what closed connections left behind a moment after the last one (reclaim.ts).
    await sleep(5_000);
    const after = await settledRss(pid, 15_000);
    return { idle, held: held - idle, after: after - idle };
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}

/** RSS of the forwarding process with `clients` non-reading clients on one forward, tunnel next to ssh -L. */
export async function nonReadingMemory(link: Link, options: { clients: number }): Promise<Section> {
  const results = {} as Record<PathName, PathRss>;
  for (const pathName of PATHS) results[pathName] = await measurePath(link, pathName, options.clients);
  const { tunnel, ssh } = results as { tunnel: PathRss; ssh: PathRss };
  const perClient = (value: number) => round(value / options.clients, 2);
  return {
    id: `rss-nonreading-${link.addedRttMs}ms`,
    title: `RSS with ${options.clients} non-reading clients on one forward, ${link.name} (MiB above idle; the server sends without end, the clients never read)`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['measure', 'tunnel', 'ssh -L', 'tunnel / ssh -L'],
    rows: [
      ['idle RSS, MiB', round(tunnel.idle), round(ssh.idle), ''],
      [
        `RSS with ${options.clients} non-reading clients (MiB above idle)`,
        round(tunnel.held),
        round(ssh.held),
        round(tunnel.held / ssh.held, 2),
      ],
      ['per client, MiB', perClient(tunnel.held), perClient(ssh.held), ''],
      ['after they close (MiB above idle)', round(tunnel.after), round(ssh.after), ''],
    ],
    data: results,
  };
}
