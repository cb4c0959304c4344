// The set of live listeners, keyed by forward id, so applying a plan is idempotent: unchanged forwards
// are not touched, removed ones are stopped, new ones started. A start that fails is reported per
// forward and does not stop the others. Also the one place the session's current channel opener is
// handed to every listener (undefined while the session is down: listeners stay bound and hold).
import { describeError } from '../errors.js';
import type { ForwardSpec } from '../plan/types.js';
import { ForwardListener } from './listener.js';
import {
  type ChannelOpener,
  type ForwardLog,
  type ForwardSnapshot,
  type ListenerOptions,
  remoteEnd,
} from './types.js';

export interface ApplyResult {
  started: ForwardSpec[];
  stopped: ForwardSpec[];
  failed: { spec: ForwardSpec; error: unknown }[];
  /** Forwards still listening on the same port whose dev-server end changed (retargeted in place). */
  retargeted: ForwardSpec[];
}

function sameLocal(a: ForwardSpec, b: ForwardSpec): boolean {
  return a.localAddress === b.localAddress && a.localPort === b.localPort;
}

/** Where connections go: a Service whose node changed, or that moved to a pod port-forward, differs. */
function sameRemote(a: ForwardSpec, b: ForwardSpec): boolean {
  return (
    a.remoteHost === b.remoteHost &&
    a.remotePort === b.remotePort &&
    a.nodePort === b.nodePort &&
    JSON.stringify(a.via ?? null) === JSON.stringify(b.via ?? null) &&
    JSON.stringify(a.service ?? null) === JSON.stringify(b.service ?? null) &&
    // The note (why the port moved) is part of what status shows: a retarget must not leave it stale.
    JSON.stringify(a.remapped ?? null) === JSON.stringify(b.remapped ?? null)
  );
}

export class ListenerSet {
  private readonly listeners = new Map<string, ForwardListener>();

  constructor(
    private openChannel: ChannelOpener | undefined,
    private readonly log: ForwardLog,
    private readonly options: ListenerOptions = {},
  ) {}

  /** The opener new connections use; undefined holds them until one is set (see ForwardListener). */
  setOpener(opener: ChannelOpener | undefined): void {
    this.openChannel = opener;
    for (const listener of this.listeners.values()) listener.setOpener(opener);
  }

  async apply(desired: readonly ForwardSpec[]): Promise<ApplyResult> {
    const result: ApplyResult = { started: [], stopped: [], failed: [], retargeted: [] };
    const wanted = new Map(desired.map((spec) => [spec.id, spec]));
    for (const [id, listener] of this.listeners) {
      const next = wanted.get(id);
      if (next && sameLocal(next, listener.spec)) {
        // Same port, new dev-server end: a restart would reset every open connection for nothing.
        if (!sameRemote(next, listener.spec)) {
          const before = remoteEnd(listener.spec);
          listener.retarget(next);
          result.retargeted.push(next);
          // A changed note alone (remapped) is no news for the log.
          if (remoteEnd(next) !== before) this.log('info', `forward ${id} now goes to ${remoteEnd(next)}`);
        }
        continue;
      }
      await listener.stop();
      this.listeners.delete(id);
      result.stopped.push(listener.spec);
    }
    for (const spec of desired) {
      if (this.listeners.has(spec.id)) continue;
      const listener = new ForwardListener(spec, this.openChannel, this.log, this.options);
      try {
        await listener.start();
        this.listeners.set(spec.id, listener);
        result.started.push(spec);
      } catch (error) {
        this.log('error', `could not listen for ${spec.id}: ${describeError(error)}`);
        result.failed.push({ spec, error });
      }
    }
    return result;
  }

  /**
   * Checks that the dev-server end of each forward accepts a connection (a channel that opens, then
   * is closed at once), so `status` can say "refused" before a user's request finds out. An open that
   * does not settle within timeoutMs records nothing: that is the link's problem, not the forward's.
   * onlyUnproven: skip forwards whose last check or client already got through.
   */
  async checkRemotes(options: { onlyUnproven?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const opener = this.openChannel;
    if (!opener) return;
    const timeoutMs = options.timeoutMs ?? 5_000;
    // A forward that answered (a check, or a real client) is not poked again on every re-discovery:
    // each check is a connection the app sees (k3s logs a TLS handshake EOF for every one).
    const listeners = [...this.listeners.values()].filter(
      (listener) => !options.onlyUnproven || listener.snapshot().stats.remoteAnswers !== true,
    );
    await Promise.all(
      listeners.map(async (listener) => {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
        const opening = opener(listener.spec, { address: '127.0.0.1', port: 0 });
        try {
          const outcome = await Promise.race([opening, timedOut]);
          if (outcome === 'timeout')
            opening.then(
              (channel) => channel.destroy(),
              () => {},
            );
          else {
            outcome.destroy();
            listener.recordRemote(true);
          }
        } catch (error) {
          listener.recordRemote(false, describeError(error));
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }

  snapshot(): ForwardSnapshot[] {
    return [...this.listeners.values()].map((listener) => listener.snapshot());
  }

  async stopAll(): Promise<void> {
    const all = [...this.listeners.values()];
    this.listeners.clear();
    await Promise.all(all.map((listener) => listener.stop()));
  }
}
