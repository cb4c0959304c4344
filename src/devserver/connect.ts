// From an ssh alias to an open, host-key-checked connection, with the questions only a person at a
// terminal can answer, on the transport the host's setting picks (ssh2 or the system's OpenSSH). The
// dev-server handle (dev-server.ts) and the agent's session open through here.
import { DEFAULT_TRANSPORT, type TransportSetting } from '../config/defaults.js';
import type { SessionOptions } from '../config/resolve.js';
import type { Logger } from '../log.js';
import { type OpenSshOptions, openOpenSsh } from '../openssh/connection.js';
import { type OpenConnectionOptions, openConnection } from '../ssh/connection.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import { resolveTarget } from '../ssh/ssh-config.js';
import { ssh2Limits } from '../ssh/ssh2-limits.js';
import type { AskSecret, SshLink, SshTarget } from '../ssh/types.js';
import { chooseTransport, shouldFallBack } from './transport-choice.js';

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
  /**
   * Auto already chose OpenSSH for this session, for this reason (a reconnect): go straight to it. A
   * fallback must not try ssh2 again at every reconnect (it may ask a bastion's one-time code twice).
   */
  openSshReason?: string;
};

/** What connectTarget uses to reach a host; tests pass fakes (connectorFor), production the real ones. */
export interface TransportDeps {
  resolveTarget: (alias: string, options: { configFile: string | undefined }) => Promise<SshTarget>;
  ssh2Limits: (target: SshTarget) => Promise<string[]>;
  openSsh2: (target: SshTarget, options: OpenConnectionOptions) => Promise<SshLink>;
  openOpenSsh: (target: SshTarget, options: OpenSshOptions) => Promise<SshLink>;
}

const SYSTEM_TRANSPORTS: TransportDeps = {
  resolveTarget,
  ssh2Limits,
  openSsh2: openConnection,
  openOpenSsh,
};

type Connector = (options: ConnectOptions, interaction: Interaction, log: Logger) => Promise<SshLink>;

/**
 * Resolves the alias and opens it on the transport the setting picks: ssh2, OpenSSH, or (auto) ssh2
 * unless ssh2Limits names something only OpenSSH does, retrying once with OpenSSH when ssh2 fails in a
 * way OpenSSH may not (SSH_UNSUPPORTED). An OpenSSH link chosen by auto says why in its `transport`.
 */
export function connectorFor(deps: TransportDeps): Connector {
  return async (options, interaction, log) => {
    const configFile = options.sshConfigFile;
    const target = await deps.resolveTarget(options.alias, { configFile });
    const setting = options.transport ?? DEFAULT_TRANSPORT;
    const remembered = setting === 'auto' ? options.openSshReason : undefined;
    if (remembered !== undefined) {
      return await deps.openOpenSsh(target, openSshOptions({ options, interaction, log }, remembered));
    }
    const choice = await decide(deps, target, setting, log);
    const viaOpenSsh = (reason: string | undefined) => {
      // Said once per session (a reconnect remembers it), in the agent's log and with --verbose.
      if (reason !== undefined) log('info', `using OpenSSH: ${reason}`);
      return deps.openOpenSsh(target, openSshOptions({ options, interaction, log }, reason));
    };
    if (choice.kind === 'openssh') return await viaOpenSsh(choice.reason);
    try {
      return await deps.openSsh2(target, {
        hostKeyPolicy: hostKeyPolicyFor(options, interaction),
        askPassphrase: interaction.askPassphrase,
        askSecret: interaction.askSecret,
        resolveHop: (hop: string) => deps.resolveTarget(hop, { configFile }),
        log,
      });
    } catch (error) {
      const reason = setting === 'auto' ? shouldFallBack(error) : undefined;
      if (reason === undefined) throw error;
      return await viaOpenSsh(reason);
    }
  };
}

/** From an ssh alias to an open, host-key-checked connection on the transport its setting picks. */
export const connectTarget: Connector = connectorFor(SYSTEM_TRANSPORTS);

/** ssh2 or OpenSSH, and (auto only) why OpenSSH. Named by what algos' chooseTransport returns. */
export type TransportDecision = ReturnType<typeof chooseTransport>;

async function decide(
  deps: TransportDeps,
  target: SshTarget,
  setting: TransportSetting,
  log: Logger,
): Promise<TransportDecision> {
  const limits = setting === 'auto' ? await limitsOf(deps, target, log) : [];
  const choice = chooseTransport(setting, limits);
  // Only auto's choice needs explaining: a transport the user named is shown as their setting.
  return setting === 'auto' ? choice : { ...choice, reason: undefined };
}

/**
 * The transport `tunnel connect` would open this target with, and why, before trying it, with what ssh2
 * cannot do here whatever the setting (for `tunnel doctor`). A connect under auto may still fall back
 * to OpenSSH when ssh2 fails with SSH_UNSUPPORTED.
 */
export async function transportFor(
  target: SshTarget,
  setting: TransportSetting,
): Promise<TransportDecision & { limits: string[] }> {
  const limits = await limitsOf(SYSTEM_TRANSPORTS, target, () => {});
  const choice = chooseTransport(setting, limits);
  return { ...choice, reason: setting === 'auto' ? choice.reason : undefined, limits };
}

/** A failed look at the host's files must not stop the connect: ssh2 is tried, and auto still falls back. */
async function limitsOf(deps: TransportDeps, target: SshTarget, log: Logger): Promise<string[]> {
  try {
    return await deps.ssh2Limits(target);
  } catch (error) {
    log('debug', 'could not check what ssh2 cannot do for this host; trying ssh2', { error });
    return [];
  }
}

interface ConnectRequest {
  options: ConnectOptions;
  interaction: Interaction;
  log: Logger;
}

function openSshOptions(
  { options, interaction, log }: ConnectRequest,
  reason: string | undefined,
): OpenSshOptions {
  return {
    configFile: options.sshConfigFile,
    hostKeyPolicy: hostKeyPolicyFor(options, interaction),
    askPassphrase: interaction.askPassphrase,
    askSecret: interaction.askSecret,
    reason,
    log,
  };
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
