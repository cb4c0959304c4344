// One function per measurement. Each takes the world/link it needs and its sizes, runs the paths alternately
// (so a noisy moment hits every path alike) and returns a Section: JSON-friendly data plus a table.
import { spawn } from 'node:child_process';
import type { Link, PathName } from './env.js';
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

const PATHS: PathName[] = ['tunnel', 'ssh', 'direct'];
const THROUGHPUT_PATHS: PathName[] = ['tunnel', 'ssh', 'ssh-gcm', 'direct'];
const GIB = 1024 * MIB;

function clientPid(link: Link, pathName: PathName): number | undefined {
  if (pathName === 'tunnel') return link.agentPid;
  if (pathName === 'ssh') return link.sshPid;
  return pathName === 'ssh-gcm' ? link.sshGcmPid : undefined;
}

/** (1)/(2): one stream up and down per path; medians, tunnel/ssh ratio, CPU s/GiB (client and sshd). */
export async function throughput(link: Link, options: { mib: number; runs: number }): Promise<Section> {
  const bytes = options.mib * MIB;
  const speeds = Object.fromEntries(
    THROUGHPUT_PATHS.map((p) => [p, { down: [] as number[], up: [] as number[] }]),
  );
  const cpu = Object.fromEntries(THROUGHPUT_PATHS.map((p) => [p, { client: 0, sshd: 0 }]));
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of THROUGHPUT_PATHS) {
      const endpoint = link.endpoint(pathName, 0);
      const client = clientPid(link, pathName);
      const sshd = link.sshdPid();
      const before = { client: client ? cpuSeconds(client) : 0, sshd: sshd ? treeCpuSeconds(sshd) : 0 };
      speeds[pathName]!.down.push(await download(endpoint, bytes));
      speeds[pathName]!.up.push(await upload(endpoint, bytes));
      if (pathName === 'direct') continue;
      cpu[pathName]!.client += (client ? cpuSeconds(client) : 0) - before.client;
      cpu[pathName]!.sshd += (sshd ? treeCpuSeconds(sshd) : 0) - before.sshd;
    }
  }
  const gib = (2 * bytes * options.runs) / GIB;
  const med = (p: PathName, d: 'down' | 'up') => median(speeds[p]![d]);
  const rows = THROUGHPUT_PATHS.map((p) => [
    p,
    round(med(p, 'down')),
    round(med(p, 'up')),
    p === 'direct' ? '' : round(cpu[p]!.client / gib, 2),
    p === 'direct' ? '' : round(cpu[p]!.sshd / gib, 2),
  ]);
  for (const other of ['ssh', 'ssh-gcm'] as const) {
    rows.push([
      `ratio tunnel/${other}`,
      round(med('tunnel', 'down') / med(other, 'down'), 2),
      round(med('tunnel', 'up') / med(other, 'up'), 2),
      round(cpu.tunnel!.client / cpu[other]!.client, 2),
      round(cpu.tunnel!.sshd / cpu[other]!.sshd, 2),
    ]);
  }
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
  const times = Object.fromEntries(PATHS.map((p) => [p, [] as number[]]));
  for (let i = 0; i < options.connections; i++) {
    for (const pathName of PATHS) times[pathName]!.push(await timeToFirstByte(link.endpoint(pathName, 0)));
  }
  const rows = PATHS.map((p) => [
    p,
    round(quantile(times[p]!, 0.5), 3),
    round(quantile(times[p]!, 0.99), 3),
    round(Math.max(...times[p]!), 3),
  ]);
  const summary = Object.fromEntries(
    PATHS.map((p) => [p, { p50: quantile(times[p]!, 0.5), p99: quantile(times[p]!, 0.99) }]),
  );
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
  const aggregate = Object.fromEntries(PATHS.map((p) => [p, [] as number[]]));
  const bytes = options.mib * MIB;
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of PATHS) {
      const started = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: options.streams }, (_, i) => download(link.endpoint(pathName, i), bytes)),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      aggregate[pathName]!.push((options.streams * options.mib) / seconds);
    }
  }
  const rows: (string | number)[][] = PATHS.map((p) => [p, round(median(aggregate[p]!))]);
  rows.push(['ratio tunnel/ssh', round(median(aggregate.tunnel!) / median(aggregate.ssh!), 2)]);
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
  const rates = Object.fromEntries(PATHS.map((p) => [p, [] as number[]]));
  for (let run = 0; run < options.runs; run++) {
    for (const pathName of PATHS) {
      const { host, port } = link.endpoint(pathName, 0);
      rates[pathName]!.push(await wrk(`http://${host}:${port}/`, options));
    }
  }
  const rows: (string | number)[][] = PATHS.map((p) => [p, Math.round(median(rates[p]!))]);
  rows.push(['ratio tunnel/ssh', round(median(rates.tunnel!) / median(rates.ssh!), 2)]);
  return {
    id: `http-${link.addedRttMs}ms`,
    title: `HTTP keep-alive, wrk -t2 -c${options.connections} -d${options.seconds}s, ${link.name}, median of ${options.runs}`,
    params: { ...options, addedRttMs: link.addedRttMs },
    columns: ['path', 'requests/s'],
    rows,
    data: { requestsPerSecond: rates },
  };
}
