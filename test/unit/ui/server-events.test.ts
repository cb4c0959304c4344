// /<token>/events: the agent's state first, then the latest status at once and every update after,
// shared by every tab through one watch; a tab that does not read gets only the latest; 16 tabs at most;
// the agent going away and coming back (the retry on a fake clock).
import { afterEach, describe, expect, it } from 'vitest';
import { TunnelError } from '../../../src/errors.js';
import { MAX_EVENT_CLIENTS, startUiServer, type UiServer } from '../../../src/ui/server.js';
import { REFUSED_RETRY_MS } from '../../../src/ui/sse.js';
import type { AgentEvent, StatusEvent } from '../../../src/ui/types.js';
import { documentWith, fakeClock, fakeLink, fixtureDirs, openStream } from './ui-helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: { agentRunning: boolean }) {
  const dirs = fixtureDirs();
  cleanups.push(dirs.cleanup);
  const agent = fakeLink();
  if (options.agentRunning) agent.startAgent();
  const time = fakeClock();
  const server: UiServer = await startUiServer({
    link: agent.link,
    logFile: dirs.logFile,
    webDir: dirs.web,
    clock: time.clock,
  });
  cleanups.push(() => server.close());
  const token = new URL(server.url).pathname.split('/')[1]!;
  const streams: Array<ReturnType<typeof openStream>> = [];
  cleanups.push(() => {
    for (const stream of streams) stream.close();
  });
  const stream = () => {
    const opened = openStream(server.port, `/${token}/events`);
    streams.push(opened);
    return opened;
  };
  return { agent, time, server, token, stream };
}

const statusOf = (event: { data: unknown }) => event.data as StatusEvent;
const agentOf = (event: { data: unknown }) => event.data as AgentEvent;
const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe('the event stream', () => {
  it('sends the agent event first, then the latest status at once, then each update to every tab', async () => {
    const { agent, stream } = await setup({ agentRunning: true });
    const first = stream();
    await first.until((events) =>
      events.some((event) => event.event === 'agent' && agentOf(event).state === 'up'),
    );
    agent.push({ seq: 2, document: documentWith('gpu-box') });
    await first.until((events) =>
      events.some((event) => event.event === 'status' && statusOf(event).seq === 2),
    );

    const second = stream();
    const opened = await second.opened;
    expect(opened.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(opened.headers['content-security-policy']).toContain("default-src 'none'");
    const joined = await second.until((events) => events.length >= 2);
    expect(joined.map((event) => event.event)).toEqual(['agent', 'status']);
    expect(agentOf(joined[0]!)).toMatchObject({ state: 'up', pid: 4242, version: '9.9.9' });
    expect(statusOf(joined[1]!).seq).toBe(2);

    agent.push({ seq: 3, document: documentWith('third') });
    for (const tab of [first, second]) {
      const events = await tab.until((all) =>
        all.some((event) => event.event === 'status' && statusOf(event).seq === 3),
      );
      expect(statusOf(events.at(-1)!).document.sessions[0]!.host).toBe('third');
    }
    expect(agent.state.watches).toBe(1); // one watch for every tab
  });

  it('keeps only the latest status for a tab that does not read, and sends it when the tab reads again', async () => {
    const { agent, server, stream } = await setup({ agentRunning: true });
    const tab = stream();
    await tab.until((events) =>
      events.some((event) => event.event === 'agent' && agentOf(event).state === 'up'),
    );
    tab.response()!.pause();
    const big = 'x'.repeat(256 * 1024);
    const count = 200; // 50 MiB: far past what the socket buffers hold
    for (let seq = 2; seq <= count; seq++) agent.push({ seq, document: documentWith(`host-${seq}`, big) });
    expect(server.streams().events).toBe(1);
    tab.response()!.resume();
    const events = await tab.until((all) =>
      all.some((event) => event.event === 'status' && statusOf(event).seq === count),
    );
    const seqs = events.filter((event) => event.event === 'status').map((event) => statusOf(event).seq);
    expect(seqs.length).toBeLessThan(count);
    expect(seqs.at(-1)).toBe(count);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b)); // never an older one after a newer one
  });

  it(`tells the ${MAX_EVENT_CLIENTS + 1}th tab why in one refused event, then ends it; takes one again when a tab closes`, async () => {
    const { server, stream } = await setup({ agentRunning: false });
    const tabs = Array.from({ length: MAX_EVENT_CLIENTS }, () => stream());
    await Promise.all(tabs.map((tab) => tab.until((events) => events.length >= 1)));
    const extra = stream();
    const opened = await extra.opened;
    // A 200 stream: the browser's EventSource can read an event, never a refusal's status or body.
    expect(opened.statusCode).toBe(200);
    expect(opened.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(opened.headers['content-security-policy']).toContain("default-src 'none'");
    await extra.until((events) => events.length >= 1);
    await until(() => opened.complete);
    expect(extra.raw.text.startsWith(`retry: ${REFUSED_RETRY_MS}\n\n`)).toBe(true);
    expect(extra.events).toEqual([
      {
        event: 'refused',
        data: {
          message: '16 tabs already follow this page',
          hint: 'close one of them, then reload this one',
        },
      },
    ]);
    expect(server.streams().events).toBe(MAX_EVENT_CLIENTS);
    tabs[0]!.close();
    await until(() => server.streams().events < MAX_EVENT_CLIENTS);
    const again = stream();
    const events = await again.until((all) => all.length >= 1);
    expect(events[0]!.event).toBe('agent');
  });

  it('turns each status into text once, however many tabs follow it', async () => {
    const { agent, stream } = await setup({ agentRunning: true });
    const tabs = [stream(), stream(), stream()];
    const upAndStatus = (events: Array<{ event: string }>) =>
      events.some((event) => event.event === 'status');
    await Promise.all(tabs.map((tab) => tab.until(upAndStatus)));
    let serialised = 0;
    const document = documentWith('gpu-box');
    const counted = {
      ...document,
      toJSON: () => {
        serialised++;
        return document;
      },
    };
    agent.push({ seq: 2, document: counted });
    const late = stream(); // a tab that opens now gets the same text
    for (const tab of [...tabs, late]) {
      const events = await tab.until((all) =>
        all.some((event) => event.event === 'status' && statusOf(event).seq === 2),
      );
      expect(statusOf(events.at(-1)!).document.sessions[0]!.host).toBe('gpu-box');
    }
    expect(serialised).toBe(1);
  });

  it('says gone with a hint when the agent goes, looks for it with a capped backoff, and is up again when it returns', async () => {
    const { agent, time, stream } = await setup({ agentRunning: true });
    const tab = stream();
    await tab.until((events) =>
      events.some((event) => event.event === 'agent' && agentOf(event).state === 'up'),
    );
    await tab.until((events) => events.some((event) => event.event === 'status'));
    // The agent event first; up only once the agent has answered the watch with its first document.
    expect(tab.events.map((event) => event.event).join(' ')).toMatch(/^(agent )?agent status$/);

    agent.stopAgent();
    const gone = await tab.until((events) => events.some((event) => agentOf(event).state === 'gone'));
    expect(agentOf(gone.at(-1)!)).toMatchObject({
      state: 'gone',
      message: 'the agent closed the control connection',
      hint: 'run `tunnel connect devbox` to start it again, or `tunnel agent status` to see why it stopped',
    });
    // Looking for it: 0.25 s, 0.5, 1, 2, then 2 s on; one "gone" only, however many tries.
    const delays: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const [delay] = time.pending().filter((ms) => ms < 15_000);
      delays.push(delay!);
      const before = agent.state.watches;
      time.advance(delay!);
      await until(() => agent.state.watches > before);
      await until(() => time.pending().some((ms) => ms < 15_000));
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 2000, 2000]);

    agent.startAgent();
    const seen = tab.events.length;
    time.advance(2000);
    const back = await tab.until((events) => events.slice(seen).some((event) => event.event === 'status'));
    expect(back.slice(-2).map((event) => event.event)).toEqual(['agent', 'status']);
    expect(agentOf(back.at(-2)!)).toMatchObject({ state: 'up', pid: 4242 });
    // While gone, the page heard of a change only: the watch ended, then no agent answered; not each try.
    const gones = back.filter((event) => event.event === 'agent' && agentOf(event).state === 'gone');
    expect(gones.map((event) => (agentOf(event) as { message: string }).message)).toEqual([
      'the agent closed the control connection',
      'no tunnel agent is running',
    ]);
  });

  it('stays gone, without flapping to up, while an agent takes the connection but refuses the watch', async () => {
    const { agent, time, stream } = await setup({ agentRunning: false });
    agent.state.refuse = new TunnelError('PROTOCOL', 'the running agent cannot stream status to the page', {
      hint: 'the agent is older than this CLI: run `tunnel agent stop` and retry',
    });
    agent.startAgent();
    const tab = stream();
    for (let attempt = 0; attempt < 5; attempt++) {
      await until(() => time.pending().some((ms) => ms < 15_000));
      const before = agent.state.watches;
      time.advance(2000);
      await until(() => agent.state.watches > before);
    }
    const older = (event: { data: unknown }) => (agentOf(event) as { hint?: string }).hint?.includes('older');
    await tab.until((events) => events.some(older));
    const states = tab.events.map((event) => agentOf(event).state);
    expect(states).not.toContain('up');
    expect(states.filter((state) => state === 'gone').length).toBeLessThanOrEqual(2);
    expect(agentOf(tab.events.at(-1)!)).toMatchObject({
      message: 'the running agent cannot stream status to the page',
      hint: 'the agent is older than this CLI: run `tunnel agent stop` and retry',
    });
  });

  it('sends a keepalive comment every 15 s, which the page ignores', async () => {
    const { time, stream } = await setup({ agentRunning: false });
    const tab = stream();
    await tab.until((events) => events.length >= 1);
    time.advance(15_000);
    while (!tab.raw.text.includes(': keepalive\n\n')) await new Promise((resolve) => setTimeout(resolve, 5));
    time.advance(15_000);
    while (tab.raw.text.split(': keepalive').length < 3)
      await new Promise((resolve) => setTimeout(resolve, 5));
  });

  it('says connecting, then gone, to a tab that opens before any agent runs', async () => {
    const { stream } = await setup({ agentRunning: false });
    const tab = stream();
    const events = await tab.until((all) => all.some((event) => agentOf(event).state === 'gone'));
    expect(events.map((event) => agentOf(event).state)).toEqual(['connecting', 'gone'].slice(-events.length));
    expect(agentOf(events.at(-1)!)).toMatchObject({ message: 'no tunnel agent is running' });
  });
});
