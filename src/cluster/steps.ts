// src/cluster (steps): what create and delete both do: run k3d with its progress lines as events, and ask
// the agent for something after k3d is done, keeping a failure as part of the report (the cluster was
// created or deleted whatever the agent says).
import { describeError, InterruptedError, isTunnelError } from '../errors.js';
import { progressMessage } from '../remote/k3d-outcome.js';
import type { AgentFailure, ClusterEvent } from './types.js';

/** Runs one request to the agent: its answer, or what went wrong as `agentFailure`. */
export async function agentStep<T>(
  run: () => Promise<T>,
): Promise<{ answer: T | undefined; agentFailure: AgentFailure | undefined }> {
  try {
    return { answer: await run(), agentFailure: undefined };
  } catch (error) {
    const hint = isTunnelError(error) ? error.hint : undefined;
    const interrupted = error instanceof InterruptedError;
    return { answer: undefined, agentFailure: { message: describeError(error), hint, interrupted } };
  }
}

/** Runs a k3d command, its INFO/WARN lines as progress events; k3d-finished on every way out. */
export async function runK3d<T>(
  request: { onEvent: (event: ClusterEvent) => void },
  command: 'create' | 'delete',
  run: (onLine: (line: string) => void) => Promise<T>,
): Promise<T> {
  request.onEvent({ kind: 'k3d-started', command });
  try {
    return await run((line) => {
      const message = progressMessage(line);
      if (message !== undefined) request.onEvent({ kind: 'k3d-progress', message });
    });
  } finally {
    request.onEvent({ kind: 'k3d-finished' });
  }
}
