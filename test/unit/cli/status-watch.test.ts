// `tunnel status --watch`'s loop with a fake agent: one line per update in --json, the agent-gone
// sentence once, the search for the agent at 0.25 s doubling to 2 s (reset by an update), the older
// agent's answer explained, and Ctrl-C ending it. On a terminal: frames drawn in place, and the last
// document drawn again every second from memory so a reconnect countdown moves without any request.
import { describe, expect, it } from 'vitest';
import {
  GONE,
  inPlace,
  REDRAW_MS,
  type StatusWatchEffects,
  watchStatus,
} from '../../../src/cli/status-watch.js';
import {
  AgentUnavailableError,
  OLDER_AGENT,
  OlderAgentError,
  type Watch,
} from '../../../src/control/client.js';
import type { WatchRequestBody, WatchUpdate } from '../../../src/control/protocol.js';
import { noAgentDocument } from '../../../src/control/status-document.js';
import { TunnelError } from '../../../src/errors.js';
import { sessionStatus } from '../../builders.js';

type Script = (onUpdate: (update: WatchUpdate) => void) => Promise<void>;
const document = (pid: number) => ({ ...noAgentDocument(), agent: { pid } as never, sessions: [] });

/** reach() answers from `agents` in order (undefined: none runs); the loop stops when they run out. */
function harness(agents: (Script | undefined)[], options: { tty?: boolean } = {}) {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const bodies: WatchRequestBody[] = [];
  const clock = { now: Date.parse('2026-01-01T10:00:00Z') };
  const tickers = new Set<() => void>();
  let reaches = 0;
  const effects: StatusWatchEffects = {
    reach: async () => {
      reaches++;
      if (agents.length === 0) stop.abort();
      const script = agents.shift();
      if (!script) return undefined;
      return {
        client: {
          watch: (body, onUpdate): Watch => {
            bodies.push(body);
            return { ended: script(onUpdate), cancel: () => {} };
          },
          close: () => {},
        },
      };
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    every: (ms, callback) => {
      expect(ms).toBe(REDRAW_MS);
      tickers.add(callback);
      return () => tickers.delete(callback);
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => new Date(clock.now),
  };
  /** The fake clock moves a second and every running redraw ticker fires. */
  const second = () => {
    clock.now += 1000;
    for (const tick of tickers) tick();
  };
  const tty = options.tty === true;
  const request = { host: undefined, json: !tty, tty, color: false, signal: stop.signal };
  return {
    run: () => watchStatus(request, effects),
    out,
    err,
    sleeps,
    bodies,
    second,
    tickers,
    stop,
    reaches: () => reaches,
  };
}

const gone = () => Promise.reject(new AgentUnavailableError('the agent closed the control connection'));

describe('watchStatus', () => {
  it('prints one JSON line per update, then says the agent is gone and looks for it with backoff', async () => {
    const agent: Script = async (onUpdate) => {
      onUpdate({ seq: 1, document: document(1) });
      onUpdate({ seq: 2, document: document(1) });
      return gone();
    };
    const { run, out, err, sleeps } = harness([agent, undefined, undefined, undefined, undefined, undefined]);
    await run();
    expect(out.slice(0, 2).map((line) => JSON.parse(line).agent.pid)).toEqual([1, 1]);
    expect(out[2]).toBe(`${JSON.stringify(noAgentDocument())}\n`);
    expect(out).toHaveLength(3); // the no-agent line once, not once per look
    expect(err).toEqual([`${GONE}\n`]);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('starts the backoff afresh once an agent answers again', async () => {
    const agent: Script = async (onUpdate) => {
      onUpdate({ seq: 1, document: document(2) });
      return gone();
    };
    const { run, sleeps, out } = harness([undefined, undefined, agent, undefined]);
    await run();
    expect(sleeps).toEqual([250, 500, 250, 500]);
    expect(out.filter((line) => line.includes('"pid":2'))).toHaveLength(1);
  });

  it("passes on ControlClient's older-agent error, even after a watch worked (the agent was replaced)", async () => {
    const older = () => Promise.reject(new OlderAgentError(new Error('unknown request type "watch"')));
    await expect(harness([older]).run()).rejects.toMatchObject({ code: 'PROTOCOL', message: OLDER_AGENT });
    const agent: Script = async (onUpdate) => {
      onUpdate({ seq: 1, document: document(1) });
      return gone();
    };
    await expect(harness([agent, older]).run()).rejects.toMatchObject({ message: OLDER_AGENT });
  });

  it('waits out any other PROTOCOL error once a watch has worked (a garbled frame is not an older agent)', async () => {
    const garbled = () => Promise.reject(new TunnelError('PROTOCOL', 'agent sent frame is not JSON'));
    const agent: Script = async (onUpdate) => {
      onUpdate({ seq: 1, document: document(1) });
      return gone();
    };
    const { run, out, err } = harness([agent, garbled, undefined]);
    await run();
    expect([...out, ...err].some((line) => line.includes('frame is not JSON'))).toBe(true);
  });

  it("fails with the agent's error at the start (an unknown host), as status does", async () => {
    const unknown: Script = () => Promise.reject(new TunnelError('STATE', 'no session for nope'));
    await expect(harness([unknown]).run()).rejects.toMatchObject({ code: 'STATE' });
  });
});

describe('watchStatus on a terminal', () => {
  const agentStatus = {
    pid: 7,
    version: '1.0.0',
    startedAt: '2026-01-01T09:00:00.000Z',
    socketPath: '/run/t/s',
    logFile: '/l/agent.log',
  };
  const reconnecting = () => ({
    ...noAgentDocument(),
    agent: agentStatus,
    sessions: [
      sessionStatus({
        state: 'reconnecting',
        attempt: 3,
        since: '2026-01-01T09:59:00.000Z',
        downSince: '2026-01-01T09:59:00.000Z',
        nextAttemptAt: '2026-01-01T10:00:30.000Z',
        connectedAt: null,
      }),
    ],
  });

  it('counts a reconnect down every second from the last document, asking the agent nothing more', async () => {
    let release!: () => void;
    const agent: Script = (onUpdate) => {
      onUpdate({ seq: 1, document: reconnecting() });
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    };
    const { run, out, second, bodies, reaches, stop } = harness([agent], { tty: true });
    const running = run();
    while (!release) await new Promise((resolve) => setImmediate(resolve));
    expect(out.at(-1)).toContain('next try in 30s');
    second();
    expect(out.at(-1)).toContain('next try in 29s');
    for (let i = 0; i < 9; i++) second();
    expect(out.at(-1)).toContain('next try in 20s');
    expect(out.at(-1)).toContain('down for 1m10s'); // The age moves too (down since 09:59:00).
    expect(reaches()).toBe(1);
    expect(bodies).toEqual([{ minIntervalMs: 1000 }]); // Traffic at most once a second on a terminal.
    stop.abort();
    release();
    await running;
  });

  it('draws each frame over the last in place, never clearing the screen (no flash)', async () => {
    const agent: Script = async (onUpdate) => {
      onUpdate({ seq: 1, document: reconnecting() });
      return gone();
    };
    const { run, out, tickers } = harness([agent], { tty: true });
    await run();
    const frame = out[0]!;
    expect(frame.startsWith('\x1b[H')).toBe(true);
    expect(frame).not.toContain('\x1b[2J');
    expect(frame.endsWith('\x1b[K\n\x1b[J')).toBe(true);
    // Every line ends by erasing what a longer line of the previous frame left there.
    expect(
      frame
        .split('\n')
        .slice(0, -1)
        .every((line) => line.endsWith('\x1b[K')),
    ).toBe(true);
    expect(out).toContain(`\n${GONE}\n`);
    expect(tickers.size).toBe(0); // The redraw stopped with the watch: the gone sentence stays readable.
  });

  it('inPlace: home, each line erased to its end, the rest of the screen erased', () => {
    expect(inPlace('a\nbb')).toBe('\x1b[Ha\x1b[K\nbb\x1b[K\n\x1b[J');
  });
});
