// Profiles the agent under workloads run in order: `npx tsx scripts/bench/profile.ts download|upload|parallel|http|setup|idle… [--rtt-ms 20]`.
// Starts the bench world, runs the agent with `node --cpu-prof`, drives the workload through its forward,
// stops the agent (which writes the profile) and prints where its CPU went: self time by function and by
// area (ssh2, node's streams/net, our code, GC). The .cpuprofile stays in bench/profiles/ for Chrome DevTools.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_NODE_FLAGS } from '../../src/agent/node-flags.js';
import {
  agentPid,
  BIN,
  type CliEnv,
  disposeAllCli,
  type Link,
  openLink,
  type PathName,
  startBenchWorld,
} from './env.js';
import { download, MIB, quantile, sleep, timeToFirstByte, upload } from './lib.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The `parallel` workload: as many downloads at once over as many forwards, sharing the bytes. */
const PARALLEL_STREAMS = 8;

async function parallel(link: Link, pathName: PathName, bytes: number): Promise<number> {
  const each = Math.floor(bytes / PARALLEL_STREAMS);
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: PARALLEL_STREAMS }, (_, i) => download(link.endpoint(pathName, i), each)),
  );
  return (PARALLEL_STREAMS * each) / MIB / (Number(process.hrtime.bigint() - started) / 1e9);
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, name: string): string {
  if (name === '(garbage collector)') return 'gc';
  if (name === '(program)' || name === '(idle)') return name;
  if (url.includes('node_modules/ssh2/')) return 'ssh2';
  if (url.includes('/src/') || url.includes('/dist/')) return 'tunnel';
  if (url.startsWith('node:internal/streams')) return 'node streams';
  if (url.startsWith('node:')) return 'node other';
  return url === '' ? 'native/builtin' : 'other';
}

/** Self time per function and per area, in ms, from a V8 .cpuprofile (sample counts × mean interval). */
export function summarize(profile: CpuProfile, top = 25): string {
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
  const hits = new Map<number, number>();
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  const usPerSample = totalUs / Math.max(1, profile.samples.length);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = hits.get(node.id) ?? 0;
    if (count === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\/.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|dist)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + count);
    const where = area(url, functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + count);
  }
  const busy = profile.samples.length - (byArea.get('(idle)') ?? 0);
  const line = (label: string, count: number) =>
    `${((count * usPerSample) / 1000).toFixed(0).padStart(7)} ms ${((100 * count) / busy).toFixed(1).padStart(5)}%  ${label}`;
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return [
    `wall ${(totalUs / 1e6).toFixed(2)} s, busy ${((busy * usPerSample) / 1e6).toFixed(2)} s (percent of busy)`,
    '-- by area',
    ...sorted(byArea).map(([k, v]) => line(k, v)),
    '-- by function (self)',
    ...sorted(byFunction)
      .slice(0, top)
      .map(([k, v]) => line(k, v)),
  ].join('\n');
}

function wrk(url: string, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t', '2', '-c', '64', '-d', `${seconds}s`, url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('error', reject);
    child.once('exit', () => resolve(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[0] ?? out));
  });
}

/** Starts strace -c or perf record on `pid`; the returned function stops it and prints its report. */
function startTracer(kind: string, pid: number, dir: string): () => Promise<void> {
  const data = path.join(dir, 'perf.data');
  const args =
    kind === 'perf'
      ? ['record', '-F', '2000', '-g', '-o', data, '-p', String(pid)]
      : ['-c', '-f', '-p', String(pid)];
  const child = spawn(kind === 'perf' ? 'perf' : 'strace', args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let report = '';
  child.stderr?.on('data', (chunk) => {
    report += chunk;
  });
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    if (kind !== 'perf') {
      console.log(report);
      return;
    }
    const perfArgs = [
      'report',
      '-i',
      data,
      '--stdio',
      '--no-children',
      '--sort',
      'dso,sym',
      '--percent-limit',
      '1',
    ];
    const out = spawn('perf', perfArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    out.stdout.on('data', (chunk) => {
      text += chunk;
    });
    await new Promise((resolve) => out.once('exit', resolve));
    console.log(
      text
        .split('\n')
        .filter((l) => /^\s+\d/.test(l))
        .slice(0, 40)
        .join('\n'),
    );
  };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'rtt-ms': { type: 'string' },
      mib: { type: 'string' },
      seconds: { type: 'string' },
      path: { type: 'string' },
      trace: { type: 'string' },
      'agent-flags': { type: 'string' },
    },
  });
  const workloads = positionals.length > 0 ? positionals : ['download'];
  const workload = workloads.join('+');
  const delayMs = Number(values['rtt-ms'] ?? 0) / 2;
  const dir = path.join(ROOT, 'bench/profiles', `${workload}-${Date.now()}`);
  fs.mkdirSync(dir, { recursive: true });
  const world = await startBenchWorld(PARALLEL_STREAMS);
  try {
    // --cpu-prof is refused in NODE_OPTIONS, so the agent is started here with it; connect then finds it.
    const beforeConnect = async (cli: CliEnv) => {
      const flags = values['agent-flags']?.split(' ').filter(Boolean) ?? [];
      const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...AGENT_NODE_FLAGS, ...flags, BIN, '__agent'];
      const output = fs.openSync(path.join(dir, 'agent.out'), 'w');
      spawn(process.execPath, args, {
        env: cli.env,
        detached: true,
        stdio: ['ignore', output, output],
      }).unref();
      fs.closeSync(output);
      for (let i = 0; i < 100 && agentPid(cli) === undefined; i++) await sleep(100);
      await sleep(300);
    };
    const link = await openLink(world, { delayMs, sshPorts: PARALLEL_STREAMS, beforeConnect });
    const pid = link.agentPid;
    const pathName = (values.path ?? 'tunnel') as 'tunnel' | 'ssh' | 'ssh-gcm';
    const client = pathName === 'tunnel' ? pid : pathName === 'ssh' ? link.sshPid : link.sshGcmPid;
    // --trace strace|perf: the client process (agent or ssh) under strace -c or perf record while it runs.
    const tracer = values.trace ? startTracer(values.trace, client, dir) : undefined;
    try {
      const endpoint = link.endpoint(pathName, 0);
      const bytes = Number(values.mib ?? 512) * MIB;
      for (const step of workloads) {
        if (step === 'download') console.log(`down ${(await download(endpoint, bytes)).toFixed(0)} MiB/s`);
        else if (step === 'upload') console.log(`up ${(await upload(endpoint, bytes)).toFixed(0)} MiB/s`);
        else if (step === 'idle') await sleep(5000);
        else if (step === 'parallel')
          console.log(`parallel ${(await parallel(link, pathName, bytes)).toFixed(0)} MiB/s`);
        else if (step === 'setup') {
          const times: number[] = [];
          for (let i = 0; i < 2000; i++) times.push(await timeToFirstByte(endpoint));
          console.log(
            `setup p50 ${quantile(times, 0.5).toFixed(3)} ms p99 ${quantile(times, 0.99).toFixed(3)} ms`,
          );
        } else
          console.log(await wrk(`http://${endpoint.host}:${endpoint.port}/`, Number(values.seconds ?? 5)));
      }
    } finally {
      if (tracer) await tracer();
      await link.close();
    }
    const file = fs.readdirSync(dir).find((name) => name.includes(`.${pid}.`));
    if (!file) throw new Error(`no profile for agent pid ${pid} in ${dir}`);
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
    console.log(summarize(profile));
    console.log(`profile: ${path.relative(ROOT, path.join(dir, file))}`);
  } finally {
    await disposeAllCli();
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
