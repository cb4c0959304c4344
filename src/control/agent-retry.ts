// How a long-lived look at the agent (`tunnel status --watch`, the Ports page's one watch) finds the
// agent again after it went: 0.25 s doubling to 2 s. That is looking for a process that may come back
// (a restart, `tunnel connect`), not polling status: once found, the agent pushes every change.
// One schedule for both, so the terminal and the page notice a returning agent equally soon.

export const AGENT_RETRY_FIRST_MS = 250;
export const AGENT_RETRY_MAX_MS = 2000;

/** The wait after `currentMs` when the agent is still not there. */
export function nextAgentRetryMs(currentMs: number): number {
  return Math.min(currentMs * 2, AGENT_RETRY_MAX_MS);
}
