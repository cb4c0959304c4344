// The session's link check, as a policy over the injected clock. The connection's probe (an SSH-level
// keepalive request, never a shell) gets timeoutMs to be answered; while bytes keep arriving from the
// server the wait starts again, because a link that is delivering data is alive and on a busy link the
// answer queues behind that data. Only a link that neither answers nor delivers for timeoutMs is
// declared dead (and never later than maxWaitMs after the check began). A network change or a slow
// channel open only ever starts a check; it never ends a connection by itself.
import type { Logger } from '../log.js';
import type { Clock, ConnectionEnd, SupervisedConnection } from './ports.js';
import { withTimeout } from './wait.js';
import type { WakeCause } from './wake-watch.js';

export type LinkCheckCause = WakeCause | 'stall';

export const causeText: Record<LinkCheckCause, string> = {
  wake: 'woke from sleep',
  network: 'network changed',
  stall: 'a channel open is not answered',
};

const afterText: Record<LinkCheckCause, string> = {
  wake: 'after waking from sleep',
  network: 'after a network change',
  stall: 'while a connection waited for a channel',
};

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

export interface LinkCheckOptions {
  clock: Clock;
  log: Logger;
  timeoutMs: number;
  maxWaitMs: number;
}

/**
 * One check at a time per connection: a burst of slow opens asks once, not once per client (nor logs
 * each). Per connection, because a check of a dead link may wait a minute, and the connection that
 * replaced it must be checkable meanwhile.
 */
export class LinkCheck {
  private readonly running = new WeakSet<SupervisedConnection>();

  constructor(private readonly options: LinkCheckOptions) {}

  /** Why the link counts as lost, or undefined when it is alive (or a check was already running). */
  async run(
    connection: SupervisedConnection,
    cause: LinkCheckCause,
    detail: string,
  ): Promise<ConnectionEnd | undefined> {
    if (this.running.has(connection)) return undefined;
    this.running.add(connection);
    const { log, timeoutMs } = this.options;
    let verdict: LinkVerdict;
    try {
      if (cause === 'stall') log('info', `${causeText[cause]}: ${detail}`);
      log('info', 'checking the link: keepalive@openssh.com request to the dev server');
      verdict = await probeLink({ ...this.options, connection });
    } finally {
      this.running.delete(connection);
    }
    if (verdict.alive) {
      log('info', `the link answered in ${verdict.waitedMs} ms; keeping the connection`);
      return undefined;
    }
    const after = afterText[cause];
    if (verdict.why === 'refused')
      return { kind: 'keepalive', message: `the connection failed its check ${after}` };
    // A check that was extended while data arrived says how long it ran in all.
    const extended =
      verdict.waitedMs > timeoutMs ? ` (checked for ${verdict.waitedMs} ms while data arrived)` : '';
    return {
      kind: 'keepalive',
      message: `no answer from the dev server within ${timeoutMs} ms ${after}${extended}`,
    };
  }
}
