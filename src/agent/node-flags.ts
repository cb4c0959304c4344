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
 * --expose-gc: after clients that stopped reading close, src/forward/reclaim.ts runs one collection so
 * the megabytes they left behind go back to the system (an idle agent otherwise never collects them).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--initial-old-space-size=64', '--expose-gc'];

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
