// One function per measurement. Each takes the world/link it needs and its sizes, runs the paths alternately
// (so a noisy moment hits every path alike) and returns a Section: JSON-friendly data plus a table. Both
// tunnel transports are shown as ratios against `ssh -L` of the same run; 'tunnel-openssh' rows appear
// when the link has that agent (pathsOf).
import { spawn } from 'node:child_process';
import { type Link, type PathName, pathsOf } from './env.js';
import {
  cpuSeconds,
  download,
  MIB,
  median,
  quantile,
  round,
  timeToFirstByte,
  treeCpuSeconds,
  upload,
} from './lib.js';

export interface Section {
  id: string;
  title: string;
  params: Record<string, unknown>;
  columns: string[];
  rows: (string | number)[][];
  data: Record<string, unknown>;
}

// Every measurement runs OpenSSH with its default cipher and with aes128-gcm, the one tunnel negotiates:
// "faster than OpenSSH" means faster than the better of the two, row by row (scripts/bench/goals.ts).
const PATHS: PathName[] = ['tunnel', 'tunnel-openssh', 'ssh', 'ssh-gcm', 'direct'];
const AGAINST = ['ssh', 'ssh-gcm'] as const;
const GIB = 1024 * MIB;

/**
 * CPU seconds so far of the process(es) that forward for a path. The OpenSSH transport's work is split
 * between the agent and its `ssh -M` master (a child of the agent), so that path counts the agent's tree.
 */
function clientCpu(link: Link, pathName: PathName): number {
  if (pathName === 'tunnel') return cpuSeconds(link.agentPid);
  if (pathName === 'tunnel-openssh') return link.openssh ? treeCpuSeconds(link.openssh.agentPid) : 0;
  if (pathName === 'ssh') return cpuSeconds(link.sshPid);
  return pathName === 'ssh-gcm' ? cpuSeconds(link.sshGcmPid) : 0;
}

/** 'ratio tunnel/ssh' and, with the OpenSSH agent, 'ratio tunnel-openssh/ssh': one cell per column. */
export function ratioRows(paths: PathName[], against: PathName, cells: (p: PathName) => number[]) {
  return paths
    .filter((p) => p === 'tunnel' || p === 'tunnel-openssh')
    .map((p) => [
      `ratio ${p}/${against}`,
      ...cells(p).map((value, i) => round(value / cells(against)[i]!, 2)),
    ]);
}

/** (1)/(2): one stream up and down per path; medians, tunnel/ssh ratio, CPU s/GiB (client and sshd). */
export async function throughput(link: Link, options: { mib: number; runs: number }): Promise<Section> {
  const bytes = options.mib * MIB;
  const paths = pathsOf(link, PATHS);
  const speeds = Object.fromEntries(paths.map((p) => [p, { down: [] as number[], up: [] as number[] }]));
  const cpu = Object.fromEntries(paths.map((p) => [p, { client: 0, sshd: 0 }]));
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of paths) {
      const endpoint = link.endpoint(pathName, 0);
      const sshd = link.sshdPid();
      const before = { client: clientCpu(link, pathName), sshd: sshd ? treeCpuSeconds(sshd) : 0 };
      speeds[pathName]!.down.push(await download(endpoint, bytes));
      speeds[pathName]!.up.push(await upload(endpoint, bytes));
      if (pathName === 'direct') continue;
      cpu[pathName]!.client += clientCpu(link, pathName) - before.client;
      cpu[pathName]!.sshd += (sshd ? treeCpuSeconds(sshd) : 0) - before.sshd;
    }
  }
  const gib = (2 * bytes * options.runs) / GIB;
  const med = (p: PathName, d: 'down' | 'up') => median(speeds[p]![d]);
  const rows: (string | number)[][] = paths.map((p) => [
    p,
    round(med(p, 'down')),
    round(med(p, 'up')),
    p === 'direct' ? '' : round(cpu[p]!.client / gib, 2),
    p === 'direct' ? '' : round(cpu[p]!.sshd / gib, 2),
  ]);
  const cells = (p: PathName) => [med(p, 'down'), med(p, 'up'), cpu[p]!.client, cpu[p]!.sshd];
  for (const other of AGAINST) rows.push(...ratioRows(paths, other, cells));
  return {
    id: `throughput-${link.addedRttMs}ms`,
    title: `Single stream, ${link.name}: ${options.mib} MiB each way, ${options.runs} alternating runs, median (ssh = OpenSSH default cipher chacha20-poly1305; ssh-gcm = -c aes128-gcm, what ssh2 picks with AES-NI)`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'down MiB/s', 'up MiB/s', 'client CPU s/GiB', 'sshd CPU s/GiB'],
    rows,
    data: { speedsMiBps: speeds, cpuSeconds: cpu, gibPerPath: gib },
  };
}

/** (3): sequential new connections, time from connect() to the first byte of the reply. */
export async function connectionSetup(link: Link, options: { connections: number }): Promise<Section> {
  const paths = pathsOf(link, PATHS);
  const times = Object.fromEntries(paths.map((p) => [p, [] as number[]]));
  for (let i = 0; i < options.connections; i++) {
    for (const pathName of paths) times[pathName]!.push(await timeToFirstByte(link.endpoint(pathName, 0)));
  }
  const p50 = (p: PathName) => quantile(times[p]!, 0.5);
  const p99 = (p: PathName) => quantile(times[p]!, 0.99);
  const rows: (string | number)[][] = paths.map((p) => [
    p,
    round(p50(p), 3),
    round(p99(p), 3),
    round(Math.max(...times[p]!), 3),
  ]);
  for (const other of AGAINST)
    rows.push(...ratioRows(paths, other, (p) => [p50(p), p99(p), Math.max(...times[p]!)]));
  const summary = Object.fromEntries(paths.map((p) => [p, { p50: p50(p), p99: p99(p) }]));
  return {
    id: `setup-${link.addedRttMs}ms`,
    title: `Connection setup, ${link.name}: ${options.connections} sequential new connections per path, time to first byte`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'p50 ms', 'p99 ms', 'max ms'],
    rows,
    data: summary,
  };
}

/** (5): N concurrent downloads over N forwarded ports; aggregate MiB/s. */
export async function parallelStreams(
  link: Link,
  options: { streams: number; mib: number; runs: number },
): Promise<Section> {
  const paths = pathsOf(link, PATHS);
  const aggregate = Object.fromEntries(paths.map((p) => [p, [] as number[]]));
  const bytes = options.mib * MIB;
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of paths) {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: options.streams }, (_, i) => download(link.endpoint(pathName, i), bytes)),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      aggregate[pathName]!.push((options.streams * options.mib) / seconds);
    }
  }
  const rows: (string | number)[][] = paths.map((p) => [p, round(median(aggregate[p]!))]);
  for (const other of AGAINST) rows.push(...ratioRows(paths, other, (p) => [median(aggregate[p]!)]));
  return {
    id: `parallel-${link.addedRttMs}ms`,
    title: `${options.streams} parallel downloads over ${options.streams} forwarded ports, ${link.name}: ${options.mib} MiB each, median of ${options.runs}`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'aggregate down MiB/s'],
    rows,
    data: { aggregateMiBps: aggregate },
  };
}

function wrk(url: string, options: { connections: number; seconds: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-t', '2', '-c', String(options.connections), '-d', `${options.seconds}s`, url];
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', () => {
      const rate = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1];
      if (rate === undefined) reject(new Error(`wrk: no rate in ${out}`));
      else if (/Non-2xx|Socket errors/.test(out)) reject(new Error(`wrk reported errors: ${out}`));
      else resolve(Number(rate));
    });
  });
}

/** (6): HTTP/1.1 keep-alive request rate with wrk. */
export async function httpRate(
  link: Link,
  options: { connections: number; seconds: number; runs: number },
): Promise<Section> {
  const paths = pathsOf(link, PATHS);
  const rates = Object.fromEntries(paths.map((p) => [p, [] as number[]]));
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of paths) {
      const { host, port } = link.endpoint(pathName, 0);
      rates[pathName]!.push(await wrk(`http://${host}:${port}/`, options));
    }
  }
  const rows: (string | number)[][] = paths.map((p) => [p, Math.round(median(rates[p]!))]);
  for (const other of AGAINST) rows.push(...ratioRows(paths, other, (p) => [median(rates[p]!)]));
  return {
    id: `http-${link.addedRttMs}ms`,
    title: `HTTP keep-alive, wrk -t2 -c${options.connections} -d${options.seconds}s, ${link.name}, median of ${options.runs}`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'requests/s'],
    rows,
    data: { requestsPerSecond: rates },
  };
}
