// The node command-line flags of the agent process.
import v8 from 'node:v8';
/**
 * V8 flags the agent runs with (spawned here and by the login item). Profiling a 512 MiB forward
 * (scripts/bench/profile.ts with --trace-gc) showed the agent falling, in about half of the runs, into
 * back-to-back full mark-compacts: ~25 per 512 MiB, one every ~45 ms, each re-marking the same 12 MB
 * heap while ssh2 and the socket layer churn ~64 KiB ArrayBuffers; the old-generation limit that V8
 * derived after its first full GC hugged the live size. That cost ~25% of the agent's CPU and
 * throughput. Starting with a 64 MiB old-generation size keeps the limit above the agent's working set
 * (the heap still peaks at ~16 MB in those runs; it is a limit, not an allocation): one full GC per run
 * instead of ~25. 32 MiB was not enough in the same test.
 * --expose-gc: after clients that stopped reading close, src/forward/reclaim.ts runs one collection so
 * the megabytes they left behind go back to the system (an idle agent otherwise never collects them).
 * --interrupt-budget=270336 (4× V8's default): V8 counts executed bytecode per function and, past this
 * budget, considers optimizing it. At start-up Node's own ES module loader runs two path functions
 * (getPathFromURLPosix, normalizeString) hot enough over the agent's ~60 modules that TurboFan compiles
 * them, and running the compiler once pulls ~4 MiB of its code into the RSS of an agent that may then sit
 * idle for days (--trace-opt; idle agent 51.7 → 47.6 MiB, nothing compiled). 2× (135168) still compiles
 * both, 2.5× one, 3× none: 4× keeps a margin as modules are added. Kept for the whole run, it slowed the
 * warm-up (same-world A/B: the first ~10,000 connections cost 10-40% more agent CPU, p50 of the first
 * 2,000 1.3-1.75 vs 1.0-1.25 ms), so restoreTieringBudget() gives V8 its default back when the first
 * session starts (agent/restore.ts): idle stays small, and a working agent tiers up as usual.
 * These are V8 flags: a Node that dropped one would refuse to start the agent, so
 * test/unit/agent/node-flags.test.ts starts this Node with them.
 */
export const AGENT_NODE_FLAGS: readonly string[] = [
  '--initial-old-space-size=64',
  '--expose-gc',
  '--interrupt-budget=270336',
];

/**
 * Environment the agent gets on Linux (glibc reads it at start; macOS's allocator returns memory on its
 * own). glibc serves allocations from 128 KiB up with mmap and unmaps them when freed, but raises that
 * threshold for good once a larger mmap'ed block is freed; from then on the 128 KiB blocks that hold a
 * stalled client's data (src/ssh/held-blocks.ts) would come from the heap, which glibc keeps in RSS
 * (Node has no malloc_trim). This pins the threshold at its default. 64 KiB (the socket reads too)
 * returned a little more after 50 stalled clients left, but cost ~5-10% CPU per GiB in the
 * single-stream bench (an mmap per 64 KiB read); 128 KiB costs nothing measurable.
 */
export function agentEnvironment(platform: NodeJS.Platform = process.platform): Array<[string, string]> {
  return platform === 'linux' ? [['MALLOC_MMAP_THRESHOLD_', '131072']] : [];
}

/** Where the agent finds the user's NODE_EXTRA_CA_CERTS, which its own process starts without. */
export const HELD_EXTRA_CA_CERTS = 'TUNNEL_AGENT_EXTRA_CA_CERTS';

/**
 * The environment `connect` starts the agent with: the user's, plus agentEnvironment(), minus
 * NODE_EXTRA_CA_CERTS. Node parses that file into its CA store at start, in every process: 1.8 MiB of
 * the idle agent's RSS for the 225 KB Debian bundle this VM names (bench footprint 50.7 → 49.3 MiB);
 * corporate bundles are often larger. The agent never uses it: its only TLS is to a cluster's API
 * server, checked against that cluster's kubeconfig CA alone (`ca` replaces Node's store, extra
 * certificates included). The value travels under HELD_EXTRA_CA_CERTS, and restoreChildEnvironment puts
 * it back at the agent's start, so what the agent runs (a ProxyCommand, ssh) sees the user's setting.
 */
export function agentSpawnEnv(env: NodeJS.ProcessEnv, platform = process.platform): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: extra, [HELD_EXTRA_CA_CERTS]: _stale, ...rest } = env;
  const held = extra === undefined ? {} : { [HELD_EXTRA_CA_CERTS]: extra };
  return { ...rest, ...Object.fromEntries(agentEnvironment(platform)), ...held };
}

/** In the agent, before it runs anything: its children inherit the user's NODE_EXTRA_CA_CERTS again. */
export function restoreChildEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  const held = env[HELD_EXTRA_CA_CERTS];
  delete env[HELD_EXTRA_CA_CERTS];
  if (held !== undefined) env.NODE_EXTRA_CA_CERTS = held;
}

/**
 * V8's own --interrupt-budget in Node 20 (V8 11.3; `node --v8-options`). Should another Node's differ,
 * only the pace of its tier-ups after the first session does (test/unit/agent/node-flags.test.ts checks
 * this Node's).
 */
export const V8_DEFAULT_INTERRUPT_BUDGET = 66 * 1024;

/**
 * Gives V8 its default tiering budget back (see AGENT_NODE_FLAGS). An int flag V8 reads each time it
 * sets a function's budget, so changing it at run time only changes when later tier-ups happen; the
 * same-world A/B (a preload doing this 1 s after start) measured idle RSS 49.7 MB with nothing compiled,
 * and per-connection CPU as without the flag (815/685/515/450 vs 845/565/630/490 µs).
 */
export function restoreTieringBudget(setFlags: (flags: string) => void = v8.setFlagsFromString): void {
  setFlags(`--interrupt-budget=${V8_DEFAULT_INTERRUPT_BUDGET}`);
}
