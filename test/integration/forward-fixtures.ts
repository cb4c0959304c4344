// Shared by forward.test.ts and forward-hold.test.ts: local TCP servers standing in for the dev server's
// ports, a plain-TCP "channel" opener, and listener sets, all closed after each test.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, expect } from 'vitest';
import { ListenerSet } from '../../src/forward/listener-set.js';
import type { ChannelOpener, ListenerOptions } from '../../src/forward/types.js';
import type { ForwardSpec } from '../../src/plan/types.js';
import { forwardSpec } from '../builders.js';

/** A forward of cluster `c` from localPort to the dev server's remotePort. */
export function spec(localPort: number, remotePort: number, id?: string): ForwardSpec {
  return forwardSpec({ cluster: 'c', localPort, remotePort, ...(id === undefined ? {} : { id }) });
}

/** The "SSH channel" is a plain TCP connection to the target, so listener and pipe are tested without sshd. */
export const tcpOpener: ChannelOpener = (target) =>
  new Promise<Duplex>((resolve, reject) => {
    const socket = net.connect({ host: target.remoteHost, port: target.remotePort, allowHalfOpen: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });

/** Registers an afterEach that stops every set and server the test made through the returned helpers. */
export function forwardFixtures() {
  const servers: net.Server[] = [];
  const sets: ListenerSet[] = [];
  afterEach(async () => {
    await Promise.all(sets.splice(0).map((set) => set.stopAll()));
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  async function listen(handler: (socket: net.Socket) => void): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true }, handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  async function freePort(): Promise<number> {
    const port = await listen(() => {});
    await new Promise((resolve) => servers.pop()!.close(resolve));
    return port;
  }

  /** A listener set (stopped after the test); every spec must start. */
  async function startSet(
    specs: ForwardSpec[],
    opener: ChannelOpener | undefined,
    options: ListenerOptions = {},
  ): Promise<ListenerSet> {
    const set = track(new ListenerSet(opener, () => {}, options));
    const result = await set.apply(specs);
    expect(result.failed).toEqual([]);
    return set;
  }

  function track(set: ListenerSet): ListenerSet {
    sets.push(set);
    return set;
  }

  return { listen, freePort, startSet, track };
}
