// src/openssh (main file): the OpenSSH transport. One `ssh -M -S <private socket> -N <alias>` master per
// connection, with the user's own config, so everything OpenSSH does (certificates, FIDO keys, GSSAPI,
// ProxyUseFdpass, post-quantum kex, every ssh_config option) works; remote commands run through the
// master; forwards are added to it as Unix sockets in a 0700 directory, which forwardOut connects to.
// It implements SshLink exactly like ssh/connection.ts: nothing above devserver/ knows which it has.
import type { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { runProcess } from '../process/run.js';
import { quoteArgv, remoteCommand } from '../ssh/exec.js';
import { Limiter, MAX_EXECS_IN_FLIGHT } from '../ssh/exec-limits.js';
import type { Log } from '../ssh/handshake.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import type {
  AskSecret,
  CloseReason,
  ExecOptions,
  ExecResult,
  SshLink,
  SshTarget,
  TransportInfo,
} from '../ssh/types.js';
import { controlArgs, SSH, stdioForwardArgs } from './argv.js';
import { closeReason } from './close-reason.js';
import { Forwards } from './forwards.js';
import { type Master, startMaster } from './master.js';
import { closedError, type MuxExecContext, muxExec } from './mux-exec.js';
import { makePrivateDir, type PrivateDir } from './private-dir.js';

/** How long adding a forward to the master may take (a local request, answered at once). */
const FORWARD_TIMEOUT_MS = 10_000;

export interface OpenSshOptions {
  /** `ssh -F`, when the session names a config file; else ssh reads the user's own. */
  configFile: string | undefined;
  /**
   * Mapped onto StrictHostKeyChecking for the master: unattended → yes (a new key is never trusted in
   * the background); acceptNewHostKey → accept-new; else the config's own (ask → our prompt relay).
   */
  hostKeyPolicy: HostKeyPolicy;
  /** Every question OpenSSH asks (through SSH_ASKPASS pointed at our relay) goes to one of these. */
  askPassphrase?: (file: string) => Promise<string | undefined>;
  askSecret?: AskSecret;
  /** Why auto chose this transport (shown by connect, status and doctor); undefined when the user chose it. */
  reason: string | undefined;
  /** Login deadline; default ConnectTimeout, else 20 s (questions pause it). */
  readyTimeoutMs?: number;
  signal?: AbortSignal;
  log?: Log;
}

/** How long ping waits for its channel open to be answered (the caller usually bounds it sooner). */
const PING_TIMEOUT_MS = 15_000;
/** How long the master gets to leave after `-O exit` before it is stopped by pid. */
const EXIT_GRACE_MS = 2_000;

/** Opens the master and resolves once it is logged in (`ssh -O check` answers); see docs/ssh-compatibility.md. */
export async function openOpenSsh(target: SshTarget, options: OpenSshOptions): Promise<SshLink> {
  options.signal?.throwIfAborted();
  const dir = await makePrivateDir();
  try {
    const master = await startMaster(target, dir, options);
    return new OpenSshConnection(target, dir, master, options);
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

class OpenSshConnection implements SshLink {
  readonly closed: Promise<CloseReason>;
  readonly transport: TransportInfo;
  private received = 0;
  private ended = false;
  private closedLocally = false;
  private readonly forwards: Forwards;
  private readonly slots = new Limiter(MAX_EXECS_IN_FLIGHT);
  private pinging: Promise<boolean> | undefined;
  private readonly muxContext: MuxExecContext;

  constructor(
    readonly target: SshTarget,
    private readonly dir: PrivateDir,
    private readonly master: Master,
    options: OpenSshOptions,
  ) {
    this.transport = { kind: 'openssh', reason: options.reason };
    const onBytes = (count: number) => {
      this.received += count;
    };
    this.forwards = new Forwards({
      controlPath: dir.controlPath,
      nextSocketPath: dir.nextForwardPath,
      runSsh: (args) => runProcess({ file: SSH, args, timeoutMs: FORWARD_TIMEOUT_MS }),
      onBytes,
    });
    this.muxContext = { controlPath: dir.controlPath, onBytes, alive: () => !this.ended };
    this.closed = master.process.exited.then(async (result) => {
      this.ended = true;
      master.relay.close();
      await dir.remove().catch(() => {});
      const reason = closeReason(result.stderr, this.closedLocally);
      // The supervisor reports why a connection ended; this is the transport's detail.
      options.log?.('debug', `ssh master ended: ${reason.message}`, {
        host: target.alias,
      });
      return reason;
    });
  }

  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
    if (argv.length === 0)
      return Promise.reject(new TunnelError('INTERNAL', 'exec called with an empty argv'));
    return this.run({ sent: remoteCommand(argv), shown: quoteArgv(argv) }, options);
  }

  execShell(script: string, options?: ExecOptions): Promise<ExecResult> {
    return this.exec(['/bin/sh', '-c', script], options);
  }

  private run(command: { sent: string; shown: string }, options?: ExecOptions): Promise<ExecResult> {
    if (this.ended) return Promise.reject(closedError(command.shown));
    return this.slots.run(() => muxExec(this.muxContext, command, options), options?.signal);
  }

  forwardOut(host: string, port: number): Promise<Duplex> {
    if (this.ended) return Promise.reject(new TunnelError('FORWARD', 'The SSH connection is closed.'));
    return this.forwards.open(host, port);
  }

  get bytesReceived(): number {
    return this.received;
  }

  /**
   * A channel open the server must answer: a stdio forward to 127.0.0.1:1 through the master. Refused
   * ("open refused by peer") or opened, the server answered; a dead link leaves it waiting.
   */
  ping(): Promise<boolean> {
    if (this.ended) return Promise.resolve(false);
    // Pings while one is out share it: during an outage they would otherwise pile up, one ssh each.
    this.pinging ??= this.roundTrip().finally(() => {
      this.pinging = undefined;
    });
    return this.pinging;
  }

  private async roundTrip(): Promise<boolean> {
    const result = await runProcess({
      file: SSH,
      args: stdioForwardArgs(this.dir.controlPath, '127.0.0.1', 1),
      timeoutMs: PING_TIMEOUT_MS,
    });
    const answered = result.exitCode === 0 || /open refused by peer/.test(result.stderr);
    return answered && !this.ended;
  }

  close(): void {
    if (this.closedLocally) return;
    this.closedLocally = true;
    if (this.ended) return;
    const { process: master, relay } = this.master;
    relay.close();
    const stopLater = setTimeout(() => master.stop(), EXIT_GRACE_MS);
    void master.exited.then(() => clearTimeout(stopLater));
    void runProcess({
      file: SSH,
      args: controlArgs(this.dir.controlPath, 'exit'),
      timeoutMs: EXIT_GRACE_MS,
    }).then((result) => {
      if (result.exitCode !== 0) master.stop();
    });
  }
}
