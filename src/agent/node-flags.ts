// The node command-line flags of the agent process.
/**
 * V8 flags the agent runs with (spawned here and by the login item). Profiling a 512 MiB forward
 * (scripts/bench/profile.ts with --trace-gc) showed the agent falling, in about half of the runs, into
 * back-to-back full mark-compacts: ~25 per 512 MiB, one every ~45 ms, each re-marking the same 12 MB
 * heap while ssh2 and the socket layer churn ~64 KiB ArrayBuffers; the old-generation limit that V8
 * derived after its first full GC hugged the live size. That cost ~25% of the agent's CPU and
 * throughput. Starting with a 64 MiB old-generation size keeps the limit above the agent's working set
 * (the heap still peaks at ~16 MB in those runs; it is a limit, not an allocation): one full GC per run
 * instead of ~25. 32 MiB was not enough in the same test.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64'];
