// Bringing the forwards in line with k3d over the current connection, one pass at a time. The timer's
// re-discovery and rediscoverNow() may overlap; chaining them here keeps plans from interleaving, and a
// failed re-read is kept as the last error rather than ending a link that still works. Split from
// supervisor.ts so the loop there only says when to refresh.
import type { SupervisedConnection, SupervisorPorts } from './ports.js';
import { refreshForwards } from './refresh.js';
import type { SessionRecord } from './session-record.js';

export interface RediscoveryInput<C extends SupervisedConnection> {
  ports: SupervisorPorts<C>;
  record: SessionRecord;
  /** False once `connection` was replaced or dropped: then nothing is applied. */
  isCurrent: (connection: C) => boolean;
}

export class Rediscovery<C extends SupervisedConnection> {
  /** Re-discoveries run one at a time (the timer's and rediscoverNow's), so plans never interleave. */
  private refreshing: Promise<void> = Promise.resolve();

  constructor(private readonly input: RediscoveryInput<C>) {}

  async refresh(connection: C, signal: AbortSignal, trigger: 'connect' | 'rediscover'): Promise<void> {
    const { ports, record } = this.input;
    const isCurrent = () => this.input.isCurrent(connection);
    const { problems } = await refreshForwards({ ports, connection, signal, trigger, isCurrent });
    for (const problem of problems) record.noteError(problem);
  }

  rediscover(connection: C, signal: AbortSignal): Promise<void> {
    const run = this.refreshing.then(() => this.rediscoverOnce(connection, signal));
    this.refreshing = run;
    return run;
  }

  private async rediscoverOnce(connection: C, signal: AbortSignal): Promise<void> {
    try {
      await this.refresh(connection, signal, 'rediscover');
    } catch (error) {
      // Keep forwarding what we have: a failed re-read is not a failed link (closed tells us that).
      const lastError = this.input.record.noteError(error);
      this.input.ports.log('warn', `re-discovery failed: ${lastError.message}`);
    }
  }
}
