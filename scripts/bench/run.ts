// The bench harness: `npm run bench` (full) or `npm run bench -- --quick` (every measurement, reduced, < 1 min).
// `--only throughput,setup` picks measurements. Prints a markdown table per measurement with the machine it
// ran on and writes bench/results/<date>-<quick|full>.json. Every measurement runs tunnel on both transports
// (ssh2, and OpenSSH through `connect --transport openssh`) next to `ssh -L`; in a build without the OpenSSH
// transport its rows say "not available" with the CLI's reason. Everything it starts is stopped by pid at the
// end, on failure and on Ctrl-C; the dev server's namespace is deleted.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { footprint, recovery } from './agent-measures.js';
import { HELP, parseBenchArgs, SECTIONS, USAGE } from './args.js';
import { compareRatios, parseResults, type ResultsDoc, renderComparison, sizeWarning } from './compare.js';
import { type BenchWorld, disposeAllCli, type Link, openLink, startBenchWorld } from './env.js';
import { goalsSection } from './goals.js';
import { connectionSetup, httpRate, parallelStreams, type Section, throughput } from './measures.js';
import { nonReadingMemory } from './memory-measures.js';
import { services } from './service-measures.js';
import { NOT_AVAILABLE_CELL } from './tunnel-cli.js';
import { uiSection } from './ui-measures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sizes(quick: boolean) {
  return quick
    ? {
        throughput: { mib: 32, runs: 1 },
        throughputRtt: { mib: 16, runs: 1 },
        setup: { connections: 100 },
        setupRtt: { connections: 20 },
        footprint: { connections: 100, statusRuns: 3 },
        rssNonReading: { clients: 50 },
        parallel: { streams: 8, mib: 8, runs: 1 },
        parallelRtt: { streams: 8, mib: 4, runs: 1 },
        http: { connections: 64, seconds: 2, runs: 1 },
        httpRtt: { connections: 64, seconds: 1, runs: 1 },
        recovery: { trials: 1, downMs: 500, aliveIntervalS: 2, aliveCountMax: 2 },
        recoveryRtt: { trials: 1, downMs: 500, aliveIntervalS: 2, aliveCountMax: 2 },
        services: { connections: 50, mib: 16, runs: 1, creations: 3 },
        ui: { trafficRuns: 5, stateRuns: 1 },
      }
    : {
        throughput: { mib: 256, runs: 5 },
        throughputRtt: { mib: 128, runs: 3 },
        setup: { connections: 2000 },
        setupRtt: { connections: 300 },
        footprint: { connections: 1000, statusRuns: 10 },
        rssNonReading: { clients: 50 },
        parallel: { streams: 8, mib: 64, runs: 3 },
        parallelRtt: { streams: 8, mib: 32, runs: 3 },
        http: { connections: 64, seconds: 5, runs: 3 },
        httpRtt: { connections: 64, seconds: 5, runs: 3 },
        recovery: { trials: 7, downMs: 2000, aliveIntervalS: 2, aliveCountMax: 2 },
        recoveryRtt: { trials: 5, downMs: 2000, aliveIntervalS: 2, aliveCountMax: 2 },
        services: { connections: 500, mib: 128, runs: 3, creations: 10 },
        ui: { trafficRuns: 20, stateRuns: 5 },
      };
}

/** First line a tool prints about its version (ssh -V and wrk -v write to stderr; wrk exits 1). */
function version(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? 'unknown';
}

function machine(mode: string) {
  const ssh2 = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/ssh2/package.json'), 'utf8'));
  const binding = fs.existsSync(
    path.join(ROOT, 'node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'),
  );
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    kernel: os.release(),
    node: process.version,
    openssh: version('ssh', ['-V']),
    ssh2: ssh2.version as string,
    ssh2Binding: binding,
    wrk: version('wrk', ['-v']),
    devserverMode: mode,
  };
}

function markdown(section: Section): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    `### ${section.title}`,
    '',
    line(section.columns),
    line(section.columns.map(() => '---')),
    ...section.rows.map(line),
    '',
  ].join('\n');
}

/** A results file for --compare, or undefined after saying why it cannot be one (exit code 2). */
function readResults(file: string): ResultsDoc | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const doc = parseResults(text);
  return 'error' in doc ? usageError(`${file} is not a bench results file: ${doc.error}`) : doc;
}

function usageError(message: string): undefined {
  process.stderr.write(`error: ${message}\nhint: ${USAGE} (--help lists the sections)\n`);
  process.exitCode = 2;
  return undefined;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.kind === 'help') return void process.stdout.write(HELP);
  if (args.kind === 'error') return void usageError(args.message);
  if (args.kind === 'compare') {
    const [before, now] = [readResults(args.before), readResults(args.now)];
    if (before && now)
      console.log(renderComparison(compareRatios(before, now), { before: args.before, now: args.now }));
    return;
  }
  // Read first: a typo in the path must not cost a 5-minute run.
  const earlier = args.compare === undefined ? undefined : readResults(args.compare);
  if (args.compare !== undefined && !earlier) return;
  const { quick, only } = args;
  const size = sizes(quick);
  const started = Date.now();
  // disposeAllCli runs last (first registered): agents a measurement started for itself, if it was interrupted.
  const cleanups: Array<() => Promise<unknown>> = [disposeAllCli];
  const cleanup = async () => {
    for (const step of cleanups.splice(0).reverse()) await step().catch((error) => console.error(error));
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));

  const sections: Section[] = [];
  const record = (section: Section, link?: Link) => {
    // A link whose OpenSSH agent could not connect because the transport is missing says so in each table.
    if (link?.opensshUnavailable !== undefined) {
      const cells = section.columns.slice(2).map(() => '');
      section.rows.push(['tunnel-openssh', `${NOT_AVAILABLE_CELL}: ${link.opensshUnavailable}`, ...cells]);
    }
    sections.push(section);
    console.log(markdown(section));
  };
  let info: ReturnType<typeof machine> | undefined;
  try {
    const world: BenchWorld = await startBenchWorld(50);
    cleanups.push(() => world.close());
    info = machine(world.devserver.mode);
    console.log(`## tunnel bench (${quick ? 'quick' : 'full'}), ${new Date().toISOString()}\n`);
    console.log(
      `${Object.entries(info)
        .map(([k, v]) => `- ${k}: ${v}`)
        .join('\n')}\n`,
    );
    const bare: Link = await openLink(world, { delayMs: 0, sshPorts: 8, openssh: true });
    cleanups.push(() => bare.close());
    if (only.has('throughput')) record(await throughput(bare, size.throughput), bare);
    if (only.has('setup')) record(await connectionSetup(bare, size.setup), bare);
    if (only.has('footprint')) record(await footprint(world, size.footprint));
    if (only.has('rss-nonreading')) record(await nonReadingMemory(bare, size.rssNonReading), bare);
    if (only.has('parallel')) record(await parallelStreams(bare, size.parallel), bare);
    if (only.has('http')) record(await httpRate(bare, size.http), bare);
    // The same measurements with 20 ms of round trip added in front of sshd (10 ms each way).
    const slow = SECTIONS.some((m) => m.endsWith('-rtt') && only.has(m))
      ? await openLink(world, { delayMs: 10, sshPorts: 8, openssh: true })
      : undefined;
    if (slow) cleanups.push(() => slow.close());
    if (slow && only.has('throughput-rtt')) record(await throughput(slow, size.throughputRtt), slow);
    if (slow && only.has('setup-rtt')) record(await connectionSetup(slow, size.setupRtt), slow);
    if (slow && only.has('parallel-rtt')) record(await parallelStreams(slow, size.parallelRtt), slow);
    if (slow && only.has('http-rtt')) record(await httpRate(slow, size.httpRtt), slow);
    // Last: each trial kills sshd, which every link's plain ssh -L dies with.
    if (only.has('recovery')) record(await recovery(world, bare, size.recovery), bare);
    if (slow && only.has('recovery-rtt')) record(await recovery(world, slow, size.recoveryRtt), slow);
    // A world of its own (the world daemon serves the Services and node addresses), after the others.
    if (only.has('services')) record(await services(size.services));
    if (only.has('ui')) record(await uiSection(size.ui));
    const goals = goalsSection(sections);
    if (goals) record({ ...goals, params: {}, data: {} });
  } finally {
    await cleanup();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const stamp = new Date().toISOString().slice(0, 19).replace(/:/g, '');
  const file = path.join(ROOT, 'bench/results', `${stamp}-${quick ? 'quick' : 'full'}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const doc = { date: new Date().toISOString(), quick, seconds, machine: info, sections };
  fs.writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`(${seconds} s; wrote ${path.relative(ROOT, file)})`);
  if (earlier && args.compare !== undefined) {
    const label = {
      before: path.basename(args.compare),
      now: 'this run',
      warning: sizeWarning(earlier, doc),
    };
    console.log(`\n${renderComparison(compareRatios(earlier, doc), label)}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
