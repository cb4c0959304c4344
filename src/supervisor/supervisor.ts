// One session's loop: connect → discover → plan → apply → serve (re-discover every 30 s, check the link
// on wake or network change) → backoff → again, until stopped. Decides the session state (kept by
// session-record.ts) and the order of shutdown. Sees the world only through SupervisorPorts: no ssh2,
// sockets, k3d or files in here.
import { AnswerWait, needsAnswer, needsAnswerLine } from './answer-wait.js';
import { Backoff, nothingAnswered } from './backoff.js';
import { causeText, LinkCheck, type LinkCheckCause } from './link-check.js';
import { networkFingerprint } from './network-fingerprint.js';
import { linkCheckTimings, rediscoverIntervalMs, type SupervisorOptions } from './options.js';
import {
  type Clock,
  type ConnectionEnd,
  type SupervisedConnection,
  type SupervisorPorts,
  systemClock,
} from './ports.js';
import { Rediscovery } from './rediscovery.js';
import { type AttemptEnd, RetryPolicy } from './retry-policy.js';
import { serveUntilLost } from './serve.js';
import { SessionRecord } from './session-record.js';
import { errorFromClose, errorFromThrown, type SessionError, type SessionSnapshot } from './state.js';
import { delay, openUnlessAborted, raceAbort } from './wait.js';
import { startWakeWatch } from './wake-watch.js';

export type { SupervisorOptions } from './options.js';

interface AttemptOutcome extends AttemptEnd {
  error: SessionError;
}

export class Supervisor<C extends SupervisedConnection> {
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;
  private readonly controller = new AbortController();
  private readonly record: SessionRecord;
  private running: Promise<void> | undefined;
  /** The connection being served; kept through an abort so shutdown can close it last. */
  private connection: C | undefined;
  /** Ends the current serve() early (a failed probe); set only while forwarding. */
  private declareLost: ((reason: ConnectionEnd) => void) | undefined;
  /** Aborted to cut a backoff wait short (wake, network change); set only while waiting. */
  private skipWait: AbortController | undefined;
  private readonly answerWait = new AnswerWait();
  private readonly linkCheck: LinkCheck;
  private readonly rediscovery: Rediscovery<C>;

  constructor(
    private readonly ports: SupervisorPorts<C>,
    private readonly options: SupervisorOptions = {},
  ) {
    this.clock = ports.clock ?? systemClock;
    this.retry = new RetryPolicy(new Backoff(options.backoff), options.stableAfterMs);
    this.linkCheck = new LinkCheck({ clock: this.clock, log: ports.log, ...linkCheckTimings(options) });
    const { log, forwards } = ports;
    this.record = new SessionRecord({ clock: this.clock, log, forwards, onChange: options.onChange });
    this.rediscovery = new Rediscovery({
      ports,
      record: this.record,
      isCurrent: (c) => this.connection === c,
    });
  }

  /** Starts the loop (once); resolves after the ordered shutdown that follows stop() or `signal`. */
  start(signal?: AbortSignal): Promise<void> {
    signal?.addEventListener('abort', () => this.controller.abort(), { once: true });
    if (signal?.aborted) this.controller.abort();
    this.running ??= this.run();
    return this.running;
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  snapshot(): SessionSnapshot {
    return this.record.snapshot();
  }

  private async run(): Promise<void> {
    const stopWatch = startWakeWatch({
      clock: this.clock,
      intervalMs: this.options.wakeCheckIntervalMs,
      fingerprint: this.ports.networkFingerprint ?? (() => networkFingerprint()),
      onEvent: (cause, detail) => this.onWake(cause, detail),
    });
    try {
      await this.loop(this.controller.signal);
    } finally {
      stopWatch();
      await this.shutdown();
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      this.record.enter({ kind: 'connecting', attempt: this.retry.attempt + 1 });
      const outcome = await this.attempt(signal);
      if (signal.aborted) return;
      this.record.lastError = outcome.error;
      if (outcome.connectedForMs !== undefined) this.record.reconnectCount += 1;
      if (needsAnswer(outcome.error)) await this.waitForAnswer(outcome.error, signal);
      else await this.backOff(outcome, signal);
    }
  }

  private async backOff(outcome: AttemptOutcome, signal: AbortSignal): Promise<void> {
    const delayMs = this.retry.delayAfter(outcome, this.clock.now());
    const nextAttemptAt = new Date(this.clock.now() + delayMs).toISOString();
    this.record.enter({
      kind: 'reconnecting',
      attempt: this.retry.attempt,
      nextAttemptAt,
      lastError: outcome.error,
    });
    // A watcher of the state may have stopped us (a first connect that failed): then no next attempt.
    if (signal.aborted) return;
    this.ports.log('warn', `${outcome.error.message}; next attempt in ${delayMs} ms`);
    this.skipWait = new AbortController();
    await delay(this.clock, delayMs, [signal, this.skipWait.signal]);
    this.skipWait = undefined;
  }

  /** No timer: only retryNow() (a person brought the answer) or a stop ends this (see answer-wait.ts). */
  private async waitForAnswer(error: SessionError, signal: AbortSignal): Promise<void> {
    this.record.enter({ kind: 'needs-answer', lastError: error });
    if (!signal.aborted)
      await this.answerWait.wait(signal, () => this.ports.log('warn', needsAnswerLine(error)));
  }

  /** In needs-answer: try again now (ports.connect asks whoever the caller arranged); else false. */
  retryNow(): boolean {
    return this.record.state.kind === 'needs-answer' && this.answerWait.release();
  }

  private async attempt(signal: AbortSignal): Promise<AttemptOutcome> {
    const now = () => new Date(this.clock.now());
    let connection: C;
    try {
      connection = await openUnlessAborted((abort) => this.ports.connect(abort), signal);
    } catch (error) {
      const failure = errorFromThrown(error, now());
      const authFailed = failure.code === 'SSH_AUTH';
      return { error: failure, connectedForMs: undefined, unreached: nothingAnswered(error), authFailed };
    }
    this.connection = connection;
    try {
      // Discovery on a link that dies mid-way must not wait for the exec to notice.
      const lost = connection.closed.then((reason) =>
        Promise.reject(new Error(`connection lost: ${reason.message}`)),
      );
      await raceAbort(Promise.race([this.establish(connection, signal), lost]), signal);
    } catch (error) {
      this.release(connection, signal);
      return { error: errorFromThrown(error, now()), connectedForMs: undefined };
    }
    const connectedAt = this.clock.now();
    const serving = serveUntilLost({
      clock: this.clock,
      connection,
      signal,
      rediscoverIntervalMs: rediscoverIntervalMs(this.options),
      rediscover: () => this.rediscovery.rediscover(connection, signal),
    });
    this.declareLost = serving.declareLost;
    const reason = await serving.ended;
    this.declareLost = undefined;
    this.release(connection, signal);
    return { error: errorFromClose(reason, now()), connectedForMs: this.clock.now() - connectedAt };
  }

  /** Held clients are served from here on; then the forwards are brought in line with k3d. */
  private async establish(connection: C, signal: AbortSignal): Promise<void> {
    this.ports.forwards.setOpener(connection.openChannel);
    await this.rediscovery.refresh(connection, signal, 'connect');
    // Not after a stop, nor when the connection died while discovery ran (attempt() moved on).
    if (!signal.aborted && this.connection === connection)
      this.record.enter({ kind: 'forwarding', connectedAt: new Date(this.clock.now()).toISOString() });
  }

  /**
   * Re-reads k3d's clusters now (a cluster was just created or deleted) instead of at the next interval.
   * True when it ran on a live connection; false while not forwarding, when the next connection discovers
   * anyway (a reconnect waiting out its backoff is started now).
   */
  async rediscoverNow(): Promise<boolean> {
    const connection = this.connection;
    if (this.record.state.kind !== 'forwarding' || !connection) {
      this.skipWait?.abort();
      return false;
    }
    await this.rediscovery.rediscover(connection, this.controller.signal);
    return this.connection === connection;
  }

  /** The link is gone (or we gave up on it): new clients are held until the next connection. */
  private release(connection: C, signal: AbortSignal): void {
    // On stop the connection stays open until shutdown() has closed the listeners that use it.
    if (signal.aborted) return;
    this.ports.forwards.setOpener(undefined);
    connection.close();
    this.connection = undefined;
  }

  /**
   * Something suggests the link may be dead (a channel open that gets no answer): probe it now rather
   * than wait for keepalives. While reconnecting, a retry is started at once instead.
   */
  checkLink(detail: string): void {
    this.onWake('stall', detail);
  }

  private onWake(cause: LinkCheckCause, detail: string): void {
    // Stalled opens come in bursts: the link check says once when it starts checking for them.
    if (cause !== 'stall') this.ports.log('info', `${causeText[cause]}: ${detail}`);
    // A stalled open while we are already waiting to reconnect says nothing new: keep the backoff.
    if (this.skipWait && cause !== 'stall') {
      this.skipWait.abort();
      return;
    }
    const connection = this.connection;
    if (this.record.state.kind === 'forwarding' && connection) void this.check(connection, cause, detail);
  }

  /** Only a link that neither answers nor delivers (see LinkCheck) ends; nothing else does. */
  private async check(connection: C, cause: LinkCheckCause, detail: string): Promise<void> {
    // Called without await: a check that throws is logged, never an unhandled rejection in the agent.
    const lost = await this.linkCheck.run(connection, cause, detail).catch((error: unknown) => {
      this.ports.log('warn', `the link check failed: ${(error as Error)?.message ?? String(error)}`);
      return undefined;
    });
    if (lost && this.connection === connection) this.declareLost?.(lost);
  }

  /** Listeners first (ports freed, held clients closed), then the connection they used. */
  private async shutdown(): Promise<void> {
    this.skipWait = undefined;
    try {
      await this.ports.forwards.stopAll();
    } finally {
      this.connection?.close();
      this.connection = undefined;
      this.record.enter({ kind: 'stopped' });
    }
  }
}
