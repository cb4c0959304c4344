// Whether a local port is free for a forward, and who holds it when it is not: the one check connect's port
// assignment, doctor and cluster create use.
//
// On Linux binding the address for a moment (port-probe.ts) is the whole answer: the kernel refuses
// 127.0.0.1:P while another socket listens on 0.0.0.0:P or [::]:P, SO_REUSEADDR or not.
//
// On macOS it is not. libuv sets SO_REUSEADDR on every TCP bind (src/unix/tcp.c, uv__tcp_bind:
// `setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, …)` before bind(), unconditionally), and XNU's in_pcbbind
// (bsd/netinet/in_pcb.c) then looks for a conflicting socket on the exact address only (`wild = 1` only
// without SO_REUSEADDR/SO_REUSEPORT). So Node binds 127.0.0.1:5000 happily while AirPlay Receiver
// (ControlCenter) listens on *:5000, or Docker Desktop/OrbStack on *:8080 for a published container port;
// from then on connections to 127.0.0.1:P reach us and the user's container silently stops answering there.
// The one exception in in_pcbbind is a wildcard holder of another uid (refused, EADDRINUSE, unless we are
// root): the holders that slip through are the user's own processes, exactly what lsof shows without
// root. The probe therefore also asks lsof for every TCP listener and counts a holder of the wildcard
// address (or of the same address) as taken.
//
// lsof rather than binding 0.0.0.0:P/[::]:P ourselves: (1) Node cannot bind without SO_REUSEADDR, so
// such a probe would rest on the same BSD rules (wildcard on wildcard, with IPv4/IPv6 dual-stack sockets
// in between) that misled us in the first place; (2) listening on a non-loopback address makes the
// macOS application firewall ask "Do you want the application node to accept incoming network
// connections?" — a dialog on every connect for a check; (3) lsof also names the holder, which the note
// must say. It runs once per check object (one planning round, one doctor run, one create), not once
// per port: lsof walks every process's file table whatever the port filter, so one call costs what one
// per-port call costs (measured on Linux, 119 processes: 78 ms for every listener, 672 ms for 8 ports one
// by one).
import { TunnelError } from '../errors.js';
import {
  conflictingListener,
  isWildcardAddress,
  parseLsofListeners,
  type SocketListener,
} from '../plan/socket-table.js';
import { runProcess } from '../process/run.js';
import { describeListener, findPortOwner, type PortOwner, runQuietly } from './port-owner.js';
import { isPortFree, pickFreePort } from './port-probe.js';

export interface LocalPortCheck {
  /** Free for a listener on `address`: the bind succeeds and (macOS) nobody holds the port on the wildcard. */
  isFree(address: string, port: number): Promise<boolean>;
  /** A port the OS offers on `address` that isFree also accepts, avoiding `exclude`. */
  pick(address: string, exclude: ReadonlySet<number>): Promise<number>;
  /** Who holds `port` against a listener on `address`, when it is taken; undefined when nobody visible. */
  owner(address: string, port: number): Promise<PortOwner | undefined>;
  /** macOS: why wildcard holders were not checked (lsof missing or timed out); undefined when they were. */
  unchecked(): Promise<string | undefined>;
}

export interface LocalPortCheckOptions {
  platform?: NodeJS.Platform;
  /** Binds address:port for a moment (port-probe.ts). Injected by tests. */
  bind?: (address: string, port: number) => Promise<boolean>;
  /** The OS's choice of a free port (get-port). Injected by tests. */
  pickPort?: (address: string, exclude: ReadonlySet<number>) => Promise<number>;
  /** Runs lsof/ss/ps and gives stdout ('' when it fails). Injected by tests with macOS-shaped output. */
  run?: (command: string, args: readonly string[]) => Promise<string>;
  commandLineOf?: (pid: number) => Promise<string | undefined>;
  /** Every TCP listener (lsof's stdout), and why lsof could not say, when it could not. Injected by tests. */
  lsof?: (args: readonly string[]) => Promise<{ stdout: string; failure: string | undefined }>;
}

// +c 0: the whole command name (ControlCenter, com.docker.backend), not lsof's default first 9 characters.
const LSOF_ARGS = ['+c', '0', '-nP', '-iTCP', '-sTCP:LISTEN'];

/** lsof run here; exit 1 with nothing is "nobody listens", not a failure. Missing or too slow is one. */
async function runLsof(args: readonly string[]): Promise<{ stdout: string; failure: string | undefined }> {
  const result = await runProcess({ file: 'lsof', args, timeoutMs: 5000, maxBufferChars: 1024 * 1024 });
  const failure = result.notFound ? 'lsof is not installed' : result.timedOut ? 'lsof timed out' : undefined;
  return { stdout: result.stdout, failure };
}

/** Ports the OS offers that a wildcard holder already has, tried before giving up (macOS). */
const PICK_ATTEMPTS = 20;

export function localPortCheck(options: LocalPortCheckOptions = {}): LocalPortCheck {
  const platform = options.platform ?? process.platform;
  const bind = options.bind ?? isPortFree;
  const pickPort = options.pickPort ?? pickFreePort;
  const run = options.run ?? runQuietly;
  const ownerOptions = { platform, run, commandLineOf: options.commandLineOf };
  if (platform !== 'darwin') {
    return {
      isFree: bind,
      pick: pickPort,
      owner: (_address, port) => findPortOwner(port, ownerOptions),
      unchecked: async () => undefined,
    };
  }
  const read = lsofSnapshot(options, run);
  const listeners = async () => (await read()).listeners;
  const isFree = async (address: string, port: number) =>
    (await bind(address, port)) && conflictingListener(await listeners(), address, port) === undefined;
  return {
    isFree,
    pick: async (address, exclude) => {
      const skipped = new Set(exclude);
      for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
        const port = await pickPort(address, skipped);
        if (await isFree(address, port)) return port;
        skipped.add(port);
      }
      throw new TunnelError(
        'PORT',
        `No free local port on ${address}: the ${PICK_ATTEMPTS} ports the system offered are all held on the wildcard address.`,
        { hint: 'See what listens: lsof +c 0 -nP -iTCP -sTCP:LISTEN' },
      );
    },
    owner: async (address, port) => {
      const listener = conflictingListener(await listeners(), address, port);
      return listener ? describeListener(listener, ownerOptions) : findPortOwner(port, ownerOptions);
    },
    unchecked: async () => (await read()).failure,
  };
}

interface LsofSnapshot {
  listeners: SocketListener[];
  failure: string | undefined;
}

/** One lsof read per check object (see the header), with why lsof could not say when it could not. */
function lsofSnapshot(
  options: LocalPortCheckOptions,
  run: (command: string, args: readonly string[]) => Promise<string>,
): () => Promise<LsofSnapshot> {
  // An injected `run` (tests) answers lsof too; otherwise lsof runs here, so a failure can be told.
  const lsof =
    options.lsof ??
    (options.run
      ? async (args: readonly string[]) => ({ stdout: await run('lsof', args), failure: undefined })
      : runLsof);
  let snapshot: Promise<LsofSnapshot> | undefined;
  return () => {
    snapshot ??= lsof(LSOF_ARGS).then(({ stdout, failure }) => ({
      listeners: parseLsofListeners(stdout),
      failure,
    }));
    return snapshot;
  };
}

/**
 * "ControlCenter (pid 512) on *:5000": the holder as a note names it. The address is said only when it is
 * the wildcard: that is the holder a user does not expect to collide with 127.0.0.1 (macOS).
 */
export function holderText(owner: PortOwner): string {
  return isWildcardAddress(owner.address) && owner.address !== undefined
    ? `${owner.description} on *:${owner.port}`
    : owner.description;
}
