// src/openssh (main file): the OpenSSH transport. One `ssh -M -S <private socket> -N <alias>` master per
// connection, with the user's own config, so everything OpenSSH does (certificates, FIDO keys, GSSAPI,
// ProxyUseFdpass, post-quantum kex, every ssh_config option) works; remote commands run through the
// master; forwards are added to it as Unix sockets in a 0700 directory, which forwardOut connects to.
// It implements SshLink exactly like ssh/connection.ts: nothing above devserver/ knows which it has.

import type { Log } from '../ssh/handshake.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import type { AskSecret, SshLink, SshTarget } from '../ssh/types.js';

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

/** Opens the master and resolves once it is logged in (`ssh -O check` answers); see docs/ssh-compatibility.md. */
export async function openOpenSsh(_target: SshTarget, _options: OpenSshOptions): Promise<SshLink> {
  throw new Error('not implemented yet');
}
