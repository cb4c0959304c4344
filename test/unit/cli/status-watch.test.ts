// `tunnel status --watch`'s loop with a fake agent: one line per update in --json, the agent-gone
// sentence once, the search for the agent at 0.25 s doubling to 2 s (reset by an update), the older
// agent's answer explained, and Ctrl-C ending it.
import { describe, expect, it } from 'vitest';
import { GONE, type StatusWatchEffects, watchStatus } from '../../../src/cli/status-watch.js';
import { AgentUnavailableError, type Watch } from '../../../src/control/client.js';
import type { WatchUpdate } from '../../../src/control/protocol.js';
import { noAgentDocument } from '../../../src/control/status-document.js';
import { TunnelError } from '../../../src/errors.js';

type Script = (onUpdate: (update: WatchUpdate) => void) => Promise<void>;
const document = (pid: number) => ({ ...noAgentDocument(), agent: { pid } as never, sessions: [] });

/** reach() answers from `agents` in order (undefined: none runs); the loop stops when they run out. */
function harness(agents: (Script | undefined)[]) {
  const stop = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const sleeps: number[] = [];
  const effects: StatusWatchEffects = {
    reach: async () => {
      if (agents.length === 0) stop.abort();
      const script = agents.shift();
      if (!script) return undefined;
      return {
        client: {
          watch: (_body, onUpdate): Watch => ({ ended: script(onUpdate), cancel: () => {} }),
          close: () => {},
        },
      };
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => new Date('2026-01-01T10:00:00Z'),
  };
  const request = { host: undefined, json: true, tty: false, color: false, signal: stop.signal };
  return { run: () => watchStatus(request, effects), out, err, sleeps };
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

  it('says an agent that does not know watch is older than this CLI', async () => {
    const old: Script = () =>
      Promise.reject(new TunnelError('PROTOCOL', 'agent sent unknown request type "watch"'));
    const { run } = harness([old]);
    await expect(run()).rejects.toMatchObject({
      message: 'the agent is older than this CLI: it cannot stream status',
      hint: expect.stringContaining('tunnel agent stop'),
    });
  });

  it("fails with the agent's error at the start (an unknown host), as status does", async () => {
    const unknown: Script = () => Promise.reject(new TunnelError('STATE', 'no session for nope'));
    await expect(harness([unknown]).run()).rejects.toMatchObject({ code: 'STATE' });
  });
});
