// The byte stream under one ssh2 Client: direct TCP (ssh2 dials), a ProxyCommand child, or a
// direct-tcpip channel through a jump host opened like `ssh -J` would (hops before the last are
// handed to the last hop's own connection, so each hop is verified against its own name).
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { connectError } from './connect-errors.js';
import type { Log } from './handshake.js';
import { spawnProxyCommand } from './proxy-command.js';
import { formatProxyJump, parseProxyJump } from './proxy-jump.js';
import type { CloseReason, SshConnection, SshTarget } from './types.js';

export interface Transport {
  /** undefined = let ssh2 dial target.hostName:port itself. */
  sock: Duplex | undefined;
  stderrTail?: () => string;
  /** The jump host's close reason, if it closed within a moment (undefined without a hop). */
  hopClosed(): Promise<CloseReason | undefined>;
  close(): void;
}

export interface TransportDeps {
  openHop: (target: SshTarget) => Promise<SshConnection>;
  resolveHop: (alias: string) => Promise<SshTarget>;
  log: Log | undefined;
}

const noHop = async () => undefined;

export async function openTransport(target: SshTarget, deps: TransportDeps): Promise<Transport> {
  if (target.proxyJump) return await openJump(target, deps);
  if (target.proxyCommand) {
    const proxy = await spawnProxyCommand(target, (level, message) =>
      deps.log?.(level, message, { host: target.alias }),
    );
    return {
      sock: proxy.socket,
      stderrTail: proxy.stderrTail,
      hopClosed: noHop,
      close: () => proxy.socket.destroy(),
    };
  }
  return { sock: undefined, hopClosed: noHop, close: () => {} };
}

/** The last hop, resolved through the ssh config, with the `user@` / `:port` of the ProxyJump spec. */
async function lastHopTarget(target: SshTarget, deps: TransportDeps): Promise<SshTarget> {
  const hops = parseProxyJump(target.proxyJump);
  const last = hops.at(-1);
  if (!last) throw connectError(target, 'empty ProxyJump');
  const resolved = await deps.resolveHop(last.host);
  const earlier = formatProxyJump(hops.slice(0, -1));
  return {
    ...resolved,
    user: last.user ?? resolved.user,
    port: last.port ?? resolved.port,
    // As with `ssh -J a,b`: the hops before b become b's ProxyJump, replacing b's own settings.
    ...(earlier ? { proxyJump: earlier, proxyCommand: undefined } : {}),
  };
}

async function openJump(target: SshTarget, deps: TransportDeps): Promise<Transport> {
  const hopTarget = await lastHopTarget(target, deps);
  const hop = await deps.openHop(hopTarget);
  let sock: Duplex;
  try {
    sock = await hop.forwardOut(target.hostName, target.port);
  } catch (error) {
    hop.close();
    const why = error instanceof TunnelError ? error.message : String(error);
    throw connectError(target, `jump host ${hopTarget.alias} could not reach it: ${why}`, { cause: error });
  }
  let hopReason: CloseReason | undefined;
  void hop.closed.then((reason) => {
    hopReason = reason;
  });
  return {
    sock,
    // Our channel closes right after the hop's socket does; give its `closed` a moment to land.
    hopClosed: async () => {
      await Promise.race([hop.closed, new Promise((resolve) => setTimeout(resolve, 250).unref())]);
      return hopReason;
    },
    close: () => {
      sock.destroy();
      hop.close();
    },
  };
}
