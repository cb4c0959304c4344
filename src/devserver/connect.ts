// From an ssh alias to an open, host-key-checked connection, with the questions only a person at a
// terminal can answer. The dev-server handle (dev-server.ts) and the agent's session open through here.
import type { TransportSetting } from '../config/defaults.js';
import type { SessionOptions } from '../config/resolve.js';
import type { Logger } from '../log.js';
import { openConnection } from '../ssh/connection.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import type { AskSecret, SshLink } from '../ssh/types.js';

/** Questions only a person at a terminal can answer; absent when nobody can. */
export interface Interaction {
  confirm?: (question: string) => Promise<boolean>;
  askPassphrase?: (file: string) => Promise<string | undefined>;
  /** Passwords, one-time codes and other keyboard-interactive prompts (and OpenSSH's own, on that transport). */
  askSecret?: AskSecret;
  /** Nobody started this connect (a reconnect, a restored session): an unknown host key is refused. */
  unattended?: boolean;
}

export type ConnectOptions = Pick<SessionOptions, 'alias' | 'sshConfigFile' | 'acceptNewHostKey'> & {
  /** auto (default): ssh2 unless the host needs what only OpenSSH does (see transport-choice.ts). */
  transport?: TransportSetting;
};

export async function connectTarget(
  options: ConnectOptions,
  interaction: Interaction,
  log: Logger,
): Promise<SshLink> {
  const target = await resolveTarget(options.alias, { configFile: options.sshConfigFile });
  return await openConnection(target, {
    hostKeyPolicy: hostKeyPolicyFor(options, interaction),
    askPassphrase: interaction.askPassphrase,
    resolveHop: (hop: string) => resolveTarget(hop, { configFile: options.sshConfigFile }),
    log,
  });
}

/**
 * Only a connect a person runs may trust a new host key (--accept-new-host-key, StrictHostKeyChecking
 * accept-new, a "yes" at the prompt); an unattended one refuses it, so an impostor met while the agent
 * reconnects alone is never written to known_hosts.
 */
export function hostKeyPolicyFor(
  options: Pick<SessionOptions, 'acceptNewHostKey'>,
  interaction: Interaction,
): HostKeyPolicy {
  if (interaction.unattended) return { acceptNewHostKey: false, unattended: true };
  return { acceptNewHostKey: options.acceptNewHostKey, prompt: interaction.confirm };
}
