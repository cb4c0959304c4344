// The supervisor's view of one real SSH connection (SupervisedConnection over SshLink): channels for the
// forwards, an SSH-level probe that needs an answer from the server, how much the link has delivered,
// and the dev-server handle over it (k3d found once per connection).
import type { Duplex } from 'node:stream';
import type { DevServer } from '../devserver/dev-server.js';
import { TunnelError } from '../errors.js';
import type { ChannelOpener } from '../forward/types.js';
import type { ForwardSpec } from '../plan/types.js';
import type { CloseReason, SshConnection, SshLink } from '../ssh/types.js';
import type { ConnectionEnd, SupervisedConnection } from '../supervisor/ports.js';

export class LiveConnection implements SupervisedConnection {
  readonly openChannel: ChannelOpener;
  private ended: Promise<ConnectionEnd> | undefined;
  readonly ssh: SshLink;

  /** openPod: a pod port-forward for `via: pod` forwards over this connection (ServiceFollower.openPod). */
  constructor(
    readonly devServer: DevServer,
    openPod?: (connection: LiveConnection, spec: ForwardSpec) => Promise<Duplex>,
  ) {
    const ssh = devServer.ssh;
    this.ssh = ssh;
    this.openChannel = channelOpener(ssh, openPod && ((spec) => openPod(this, spec)));
  }

  /** One promise per connection, as SupervisedConnection promises: it resolves exactly once. */
  get closed(): Promise<ConnectionEnd> {
    this.ended ??= this.ssh.closed.then(connectionEnd);
    return this.ended;
  }

  get bytesReceived(): number {
    return this.ssh.bytesReceived;
  }

  /**
   * A keepalive@openssh.com request (what OpenSSH's ServerAliveInterval sends): the server must answer
   * it, so a link that only looks writable (no RST after a silent outage) fails it. Never a session
   * channel: `exec true` ran the user's login shell, and a slow ~/.bashrc made a healthy link look
   * dead. The supervisor times it out.
   */
  probe(): Promise<boolean> {
    return this.ssh.ping();
  }

  close(): void {
    this.ssh.close();
  }
}

/** ssh/'s reason for a closed connection, in the supervisor's words. */
export function connectionEnd(reason: CloseReason): ConnectionEnd {
  return { kind: reason.kind, message: reason.message };
}

/**
 * A forward's channel: a pod port-forward through the cluster's API for `via: pod` (there is no TCP
 * address on the dev server to dial), else a direct-tcpip channel to remoteHost:remotePort (a host port,
 * or a node's address on the cluster network).
 */
export function channelOpener(
  ssh: Pick<SshConnection, 'forwardOut'>,
  openPod: ((spec: ForwardSpec) => Promise<Duplex>) | undefined,
): ChannelOpener {
  return (spec, source) => {
    if (spec.via?.kind !== 'pod') return ssh.forwardOut(spec.remoteHost, spec.remotePort, source);
    if (openPod) return openPod(spec);
    return Promise.reject(
      new TunnelError('STATE', `forward ${spec.id} goes through a pod, and this session follows no Services`),
    );
  };
}
