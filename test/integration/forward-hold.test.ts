// How a listener tells a dead link from a refusing dev server, over real loopback TCP: a channel open
// that failed because the server never answered (linkDown) keeps its client for the next connection;
// a refusal the server explained closes that client and marks the forward refused. Also the health
// check of every forward's dev-server end, and the stall signal that makes the session check its link.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { TunnelError } from '../../src/errors.js';
import type { ChannelOpener } from '../../src/forward/types.js';
import { forwardSpec } from '../builders.js';
import { forwardFixtures, spec, tcpOpener } from './forward-fixtures.js';

const { listen, freePort, startSet } = forwardFixtures();

/** Replies `reply <what the client sent>` once the client has sent EOF. */
function replier(socket: net.Socket): void {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk) => chunks.push(chunk));
  socket.on('end', () => socket.end(`reply ${Buffer.concat(chunks).toString()}`));
}

/** What src/ssh/connection.ts's forwardError produces: linkDown when the server gave no reason code. */
function openError(why: string, linkDown: boolean): TunnelError {
  const error = new TunnelError(
    'FORWARD',
    `Could not open a forward to 127.0.0.1:8080 on the dev server: ${why}`,
    {
      hint: 'test',
    },
  );
  return Object.assign(error, { linkDown });
}

/** Connects, sends `payload` then EOF; `ended` resolves with the reply once the socket closes. */
function exchange(port: number, payload: string) {
  const chunks: Buffer[] = [];
  let closed = false;
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => socket.end(payload));
  socket.on('data', (chunk) => chunks.push(chunk));
  const ended = new Promise<string>((resolve) => {
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve(Buffer.concat(chunks).toString());
    });
  });
  return { ended, isClosed: () => closed };
}

describe('a channel open that fails', () => {
  it('because the link is down: the client is held, then served by the next connection', async () => {
    const remote = await listen(replier);
    const local = await freePort();
    const onStall = vi.fn();
    const deadLink: ChannelOpener = () => Promise.reject(openError('no answer within 10000 ms', true));
    const set = await startSet([spec(local, remote)], deadLink, { onStall, holdTimeoutMs: 60_000 });
    const client = exchange(local, 'request');
    await expect.poll(() => set.snapshot()[0]!.stats.held).toBe(1);
    // Not closed, not counted as refused: the forward itself is fine.
    expect(client.isClosed()).toBe(false);
    const waiting = set.snapshot()[0]!.stats;
    expect(waiting).toMatchObject({ failed: 0, remoteAnswers: undefined });
    expect(waiting.lastError).toContain('waiting for the SSH connection');
    // The session is told to check its link.
    expect(onStall).toHaveBeenCalledWith(expect.objectContaining({ localPort: local }));

    set.setOpener(tcpOpener);
    expect(await client.ended).toBe('reply request');
    expect(set.snapshot()[0]!.stats).toMatchObject({
      held: 0,
      heldTimedOut: 0,
      failed: 0,
      remoteAnswers: true,
    });
  });

  it('because the dev server refused (a reason came back): that client is closed and the forward is refused', async () => {
    const remote = await listen(replier);
    const local = await freePort();
    let refuse = true;
    const opener: ChannelOpener = (target, source) =>
      refuse
        ? Promise.reject(openError('(SSH) Channel open failure: Connection refused', false))
        : tcpOpener(target, source);
    const onStall = vi.fn();
    const set = await startSet([spec(local, remote)], opener, { onStall });
    expect(await exchange(local, 'request').ended).toBe('');
    const stats = set.snapshot()[0]!.stats;
    expect(stats).toMatchObject({ failed: 1, held: 0, remoteAnswers: false });
    expect(stats.remoteError).toContain('Connection refused');
    expect(stats.remoteCheckedAt).toEqual(expect.any(String));
    expect(stats.lastError).toContain('dev server refused 127.0.0.1');
    expect(onStall).not.toHaveBeenCalled();
    // The listener stays up; once the far end accepts again the forward answers and is no longer refused.
    refuse = false;
    expect(await exchange(local, 'again').ended).toBe('reply again');
    expect(set.snapshot()[0]!.stats).toMatchObject({
      failed: 1,
      remoteAnswers: true,
      remoteError: undefined,
    });
  });
});

describe('ListenerSet.checkRemotes', () => {
  it('records per forward whether its dev-server end answers; an open that hangs records nothing', async () => {
    const answering = await listen(replier);
    const refusing = await freePort();
    const hanging = await freePort();
    const opener: ChannelOpener = (target, source) =>
      target.remotePort === hanging ? new Promise<Duplex>(() => {}) : tcpOpener(target, source);
    const specs = [
      forwardSpec({ cluster: 'a', localPort: await freePort(), remotePort: answering }),
      forwardSpec({ cluster: 'b', localPort: await freePort(), remotePort: refusing }),
      forwardSpec({ cluster: 'c', localPort: await freePort(), remotePort: hanging }),
    ];
    const set = await startSet(specs, opener);
    await set.checkRemotes({ timeoutMs: 200 });
    const byCluster = Object.fromEntries(
      set.snapshot().map((forward) => [forward.spec.cluster, forward.stats]),
    );
    expect(byCluster.a).toMatchObject({ remoteAnswers: true, remoteError: undefined });
    expect(byCluster.a!.remoteCheckedAt).toEqual(expect.any(String));
    expect(byCluster.b).toMatchObject({
      remoteAnswers: false,
      remoteError: expect.stringContaining('ECONNREFUSED'),
    });
    expect(byCluster.c).toMatchObject({ remoteAnswers: undefined, remoteCheckedAt: undefined });
    // A check is not a client: nothing is counted as traffic.
    expect(set.snapshot().map((forward) => forward.stats.total)).toEqual([0, 0, 0]);
  });

  it('with onlyUnproven, leaves alone a forward that already answered and checks the others again', async () => {
    const answering = await listen(replier);
    const refusing = await freePort();
    const opened: number[] = [];
    const opener: ChannelOpener = (target, source) => {
      opened.push(target.remotePort);
      return tcpOpener(target, source);
    };
    const specs = [
      forwardSpec({ cluster: 'a', localPort: await freePort(), remotePort: answering }),
      forwardSpec({ cluster: 'b', localPort: await freePort(), remotePort: refusing }),
    ];
    const set = await startSet(specs, opener);
    await set.checkRemotes();
    expect(opened.sort((x, y) => x - y)).toEqual([answering, refusing].sort((x, y) => x - y));
    opened.length = 0;
    await set.checkRemotes({ onlyUnproven: true });
    expect(opened).toEqual([refusing]);
    expect(set.snapshot().map((forward) => forward.stats.remoteAnswers)).toEqual([true, false]);
  });

  it('checks nothing while the session is down (no opener)', async () => {
    const set = await startSet([spec(await freePort(), await freePort())], undefined);
    await set.checkRemotes({ timeoutMs: 200 });
    expect(set.snapshot()[0]!.stats).toMatchObject({ remoteAnswers: undefined, remoteCheckedAt: undefined });
  });
});

describe('onStall', () => {
  it('fires when a channel open takes longer than stallAfterMs, and the client keeps waiting', async () => {
    const remote = await listen(replier);
    const local = await freePort();
    const onStall = vi.fn();
    const stuck: ChannelOpener = () => new Promise<Duplex>(() => {});
    const set = await startSet([spec(local, remote)], stuck, { onStall, stallAfterMs: 50 });
    const client = exchange(local, 'slow');
    await expect.poll(() => onStall.mock.calls.length).toBe(1);
    expect(onStall).toHaveBeenCalledWith(set.snapshot()[0]!.spec);
    expect(client.isClosed()).toBe(false);
    // The session found the link dead and reconnected: the client moves to the new connection.
    set.setOpener(tcpOpener);
    expect(await client.ended).toBe('reply slow');
    expect(onStall).toHaveBeenCalledTimes(1);
  });

  it('does not fire for an open that was answered, however long the connection then lasts', async () => {
    const remote = await listen(replier);
    const local = await freePort();
    const onStall = vi.fn();
    const set = await startSet([spec(local, remote)], tcpOpener, { onStall, stallAfterMs: 5_000 });
    // Only the listener's timers are faked; the sockets run for real.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      expect(await exchange(local, 'quick').ended).toBe('reply quick');
      vi.advanceTimersByTime(60_000);
    } finally {
      vi.useRealTimers();
    }
    expect(set.snapshot()[0]!.stats.total).toBe(1);
    expect(onStall).not.toHaveBeenCalled();
  });
});
