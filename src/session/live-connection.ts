// The supervisor's view of one real SSH connection (SupervisedConnection over SshConnection): channels
// for the forwards, a probe that needs an answer from the server, and the k3d location found on it.
import type { ChannelOpener } from '../forward/types.js';
import type { K3dInfo } from '../remote/types.js';
import type { CloseReason, SshConnection } from '../ssh/types.js';
import type { SupervisedConnection } from '../supervisor/ports.js';

export class LiveConnection implements SupervisedConnection {
  /** Found once per connection (the dev server may have been reinstalled between two). */
  k3d: K3dInfo | undefined;
  readonly openChannel: ChannelOpener;

  constructor(readonly ssh: SshConnection) {
    this.openChannel = (spec, source) => ssh.forwardOut(spec.remoteHost, spec.remotePort, source);
  }

  get closed(): Promise<CloseReason> {
    return this.ssh.closed;
  }

  /**
   * A session channel running `true`: the server must answer the open and report the exit, so a link
   * that only looks writable (no RST after a silent outage) fails it. The supervisor times it out.
   */
  async probe(): Promise<boolean> {
    try {
      const result = await this.ssh.exec(['true'], { timeoutMs: 10_000, maxOutputBytes: 1024 });
      return result.code === 0;
    } catch {
      return false;
    }
  }

  close(): void {
    this.ssh.close();
  }
}
