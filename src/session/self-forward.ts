// Whether this session's dev server is this very machine, so that a forward must not listen on the
// port it forwards to (plan/ports.ts: AssignOptions.devServerIsLocal). The peer address only says the
// SSH connection went over loopback or to one of our own addresses; a VM or container reached through a
// forwarded port (Lima's 127.0.0.1:60022, OrbStack's 127.0.0.1:32222, docker -p 2222:22) does too, and
// would lose its port numbers for nothing. So only then, both ends are asked which kernel boot and
// network namespace they run in (plan/machine-identity.ts). The dev server's answer alone cannot clear
// it: the remote account's startup files can print a forged line, and when the dev server really is this
// machine (another local user's account at localhost) keeping the port numbers makes each forward
// connect to itself until the agent runs out of descriptors. So it takes two pieces of evidence: the
// answer names another kernel or namespace, AND this machine shows which program listens on the port
// the connection reached, and it is one that carries it elsewhere (a VM's or container's port
// forwarder, an ssh or kubectl forward). sshd (or launchd holding port 22 for macOS's Remote Login)
// means this machine; an owner this user cannot see (root's, another user's) proves nothing. Anything
// short of both keeps the guard, whose cost is only a remapped port.
import { localMachineIdentity } from '../local/machine-identity.js';
import { findPortOwner, type PortOwner } from '../local/port-owner.js';
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
  /** Who listens on this machine's TCP `port` (the one the SSH connection reached), if visible. */
  portOwner: (port: number) => Promise<PortOwner | undefined>;
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
  portOwner: (port) => findPortOwner(port).catch(() => undefined),
};

/**
 * Programs that listen on a local port to carry its connections into another network stack, by the start
 * of their name: ss cuts it to 15 characters; port-owner runs `lsof +c 0`, so lsof gives it whole
 * (`com.docker.backend`, `qemu-system-aarch64`). Prefixes (9 characters, as lsof's old default cut) match
 * both, so keep them prefixes: Lima's hostagent and QEMU's user-mode network (127.0.0.1:60022), OrbStack
 * (127.0.0.1:32222), Docker Desktop, docker-proxy, rootless docker and Podman machine's forwarders,
 * VirtualBox (Vagrant's 127.0.0.1:2222).
 */
const CARRIER =
  /^(limactl|qemu-syst|OrbStack|com\.docke|vpnkit|docker-pr|rootlessk|gvproxy|VBoxHeadl|ssh|autossh)/;

/** Pure: whether the listener on the SSH port is known to carry connections out of this machine. */
export function carriesElsewhere(owner: PortOwner | undefined): boolean {
  if (owner === undefined || owner.pid === undefined) return false;
  if (owner.kind === 'ssh-forward' || owner.kind === 'kubectl-port-forward') return true;
  const name = owner.name ?? '';
  return CARRIER.test(name) && !name.startsWith('sshd');
}

export async function devServerIsThisMachine(
  ssh: Pick<SshConnection, 'remoteAddress' | 'execShell' | 'target'>,
  checks: SelfForwardChecks = realChecks,
): Promise<boolean> {
  return (await selfForwardVerdict(ssh, checks)).local;
}

/** `definite` when both ends answered: the answer will not change for this address and port. */
async function selfForwardVerdict(
  ssh: Pick<SshConnection, 'remoteAddress' | 'execShell' | 'target'>,
  checks: SelfForwardChecks,
): Promise<{ local: boolean; definite: boolean }> {
  if (ssh.remoteAddress === undefined || !checks.isThisMachine(ssh.remoteAddress))
    return { local: false, definite: false };
  const [local, remote, owner] = await Promise.all([
    checks.local(),
    checks.remote(ssh),
    checks.portOwner(ssh.target.port),
  ]);
  const same = compareMachines(local, remote);
  return { local: same !== 'other' || !carriesElsewhere(owner), definite: same !== 'unknown' };
}

/**
 * devServerIsThisMachine for one session's reconnects: the first definite verdict for an address and
 * port is kept, so a reconnect neither waits for the dev server's shell again nor flips the guard on a
 * flaky answer (only new forwards would feel it; live ones are kept).
 */
export function cachedSelfForwardCheck(
  checks: SelfForwardChecks = realChecks,
): (ssh: Pick<SshConnection, 'remoteAddress' | 'execShell' | 'target'>) => Promise<boolean> {
  const known = new Map<string, boolean>();
  return async (ssh) => {
    const key = `${ssh.remoteAddress}|${ssh.target.port}`;
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const verdict = await selfForwardVerdict(ssh, checks);
    if (verdict.definite) known.set(key, verdict.local);
    return verdict.local;
  };
}
