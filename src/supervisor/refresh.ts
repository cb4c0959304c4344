// One pass of discover → plan → apply the difference → kubeconfig, over the current connection.
// Failures that leave the session usable (a port we cannot bind, a kubeconfig we cannot write) are
// returned as problems for status; failures of discovery itself are thrown to the caller.
import { describeError } from '../errors.js';
import type { AppliedForwards, SupervisedConnection, SupervisorPorts } from './ports.js';

export interface RefreshInput<C extends SupervisedConnection> {
  ports: SupervisorPorts<C>;
  connection: C;
  signal: AbortSignal;
  trigger: 'connect' | 'rediscover';
  /** False once the connection was replaced or dropped while discovery ran: then nothing is applied. */
  isCurrent: () => boolean;
}

export interface RefreshOutcome {
  applied: AppliedForwards;
  problems: unknown[];
}

export async function refreshForwards<C extends SupervisedConnection>(
  input: RefreshInput<C>,
): Promise<RefreshOutcome> {
  const { ports, connection, trigger } = input;
  const clusters = await ports.discover(connection, input.signal);
  const specs = await ports.plan(clusters);
  const applied: AppliedForwards = { started: [], stopped: [], failed: [] };
  if (input.signal.aborted || !input.isCurrent()) return { applied, problems: [] };
  Object.assign(applied, await ports.forwards.apply(specs));
  if (applied.started.length > 0 || applied.stopped.length > 0) {
    ports.log('info', `forwards changed (${trigger})`, {
      started: applied.started.map((spec) => spec.id),
      stopped: applied.stopped.map((spec) => spec.id),
    });
  }
  const problems: unknown[] = [];
  for (const { spec, error } of applied.failed) {
    ports.log('error', `forward ${spec.id} not listening: ${describeError(error)}`);
    problems.push(error);
  }
  // After a reconnect every forward is checked; later only new ones and those that did not answer.
  await ports.forwards.checkRemotes?.({ onlyUnproven: trigger === 'rediscover' });
  const forwards = ports.forwards.snapshot().map((forward) => forward.spec);
  try {
    await ports.applyKubeconfig({ connection, clusters, forwards, trigger });
  } catch (error) {
    // Forwards work without kubeconfig; the failure shows in status rather than dropping the session.
    ports.log('warn', `kubeconfig not updated: ${describeError(error)}`);
    problems.push(error);
  }
  return { applied, problems };
}
