// Whether this session's dev server is this very machine, so that a forward must not listen on the
// port it forwards to (plan/ports.ts: AssignOptions.devServerIsLocal). The peer address only says the
// SSH connection went over loopback or to one of our own addresses; a VM or container reached through a
// forwarded port (Lima's 127.0.0.1:60022, OrbStack's 127.0.0.1:32222, docker -p 2222:22) does too, and
// would lose its port numbers for nothing. So only then, both ends are asked which kernel boot and
// network namespace they run in (plan/machine-identity.ts); evidence of another one clears it, and
// anything else (no answer, an unknown system) keeps the guard, whose cost is only a remapped port.
import { localMachineIdentity } from '../local/machine-identity.js';
import { isThisMachine } from '../plan/local-host.js';
import {
  compareMachines,
  MACHINE_IDENTITY_SCRIPT,
  type MachineIdentity,
  parseMachineIdentity,
} from '../plan/machine-identity.js';
import type { SshConnection } from '../ssh/types.js';

export interface SelfForwardChecks {
  local: () => Promise<MachineIdentity | undefined>;
  remote: (ssh: Pick<SshConnection, 'execShell'>) => Promise<MachineIdentity | undefined>;
  isThisMachine: (address: string) => boolean;
}

/** The dev server's answer: bounded (a few lines), and a failed or silent command is no answer. */
async function remoteMachineIdentity(
  ssh: Pick<SshConnection, 'execShell'>,
): Promise<MachineIdentity | undefined> {
  try {
    const result = await ssh.execShell(MACHINE_IDENTITY_SCRIPT, { timeoutMs: 10_000, maxOutputBytes: 4096 });
    return parseMachineIdentity(result.stdout);
  } catch {
    return undefined;
  }
}

const realChecks: SelfForwardChecks = {
  local: () => localMachineIdentity().catch(() => undefined),
  remote: remoteMachineIdentity,
  isThisMachine: (address) => isThisMachine(address),
};

export async function devServerIsThisMachine(
  ssh: Pick<SshConnection, 'remoteAddress' | 'execShell'>,
  checks: SelfForwardChecks = realChecks,
): Promise<boolean> {
  if (ssh.remoteAddress === undefined || !checks.isThisMachine(ssh.remoteAddress)) return false;
  const [local, remote] = await Promise.all([checks.local(), checks.remote(ssh)]);
  return compareMachines(local, remote) !== 'other';
}
