// `tunnel status` start-up time: the median of N runs of `node bin/tunnel.js status`, once with no agent
// running and once with an idle one, each in a throw-away TUNNEL_HOME. The bar is 100 ms. Wall
// time swings with the machine's load, so each run also reports its own CPU time (user + system), which
// a busy machine disturbs far less. Usage (after npm run build): node scripts/bench/status-latency.mjs [runs=21]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'bin', 'tunnel.js');
const runs = Number(process.argv[2] ?? 21);

function tunnel(env, ...args) {
  return timed(env, [bin, ...args]);
}

// Loaded before the measured program: at exit it prints its CPU time on stderr, marked.
const REPORT_CPU = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\ncpu-ms '+(u.user+u.system)/1000+'\\n')})`;

function timed(env, argv) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', REPORT_CPU, ...argv], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, cpu: Number(/cpu-ms (\S+)/.exec(result.stderr)?.[1]) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function measure(env, label, argv = [bin, 'status']) {
  timed(env, argv); // warm the file cache; not counted
  const samples = Array.from({ length: runs }, () => timed(env, argv));
  const wall = samples.map((sample) => sample.ms);
  const cpu = samples.map((sample) => sample.cpu);
  console.log(
    `${label}: wall median ${median(wall).toFixed(1)} ms (min ${Math.min(...wall).toFixed(1)}), ` +
      `CPU median ${median(cpu).toFixed(1)} ms (${runs} runs)`,
  );
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-status-latency-'));
const env = { ...process.env, TUNNEL_HOME: home, NO_COLOR: '1' };
try {
  // Node's own start-up on this machine, the floor under every number below.
  measure(env, 'node -e 0 (floor)', ['-e', '0']);
  measure(env, 'status, no agent');
  tunnel(env, 'agent', 'start');
  try {
    measure(env, 'status, idle agent');
  } finally {
    tunnel(env, 'agent', 'stop');
  }
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
