// How long a link check waits, as a policy over the injected clock: the connection's probe (an SSH-level
// keepalive request) gets timeoutMs to be answered; while bytes keep arriving from the server the wait
// starts again, because a link that is delivering data is alive and on a busy link the answer queues
// behind that data. Only a link that neither answers nor delivers for timeoutMs is declared dead (and
// never later than maxWaitMs after the check began).
import type { Clock, SupervisedConnection } from './ports.js';
import { withTimeout } from './wait.js';

export interface LinkProbeOptions {
  clock: Clock;
  connection: SupervisedConnection;
  /** How long the link may be silent (no answer, no data) before it counts as dead. */
  timeoutMs: number;
  /** The longest a check may run however much data arrives (a server that never answers). */
  maxWaitMs: number;
}

export type LinkVerdict =
  | { alive: true; waitedMs: number }
  | { alive: false; waitedMs: number; why: 'no answer' | 'refused' };

type Answer = 'alive' | 'refused';

/** Probes once; resolves when the link answered, refused (connection gone), or stayed silent too long. */
export async function probeLink(options: LinkProbeOptions): Promise<LinkVerdict> {
  const { clock, connection, timeoutMs, maxWaitMs } = options;
  const startedAt = clock.now();
  const answer = connection.probe().then(
    (alive): Answer => (alive ? 'alive' : 'refused'),
    (): Answer => 'refused',
  );
  let seen = connection.bytesReceived;
  for (;;) {
    const remaining = maxWaitMs - (clock.now() - startedAt);
    const wait = Math.min(timeoutMs, remaining);
    const result = await withTimeout<Answer | 'silent'>(clock, answer, wait, 'silent');
    const waitedMs = clock.now() - startedAt;
    if (result === 'alive') return { alive: true, waitedMs };
    if (result === 'refused') return { alive: false, waitedMs, why: 'refused' };
    const now = connection.bytesReceived;
    const delivering = now !== undefined && seen !== undefined && now > seen;
    if (!delivering || waitedMs >= maxWaitMs) return { alive: false, waitedMs, why: 'no answer' };
    seen = now;
  }
}
