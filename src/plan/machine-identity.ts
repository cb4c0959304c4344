// Whether the dev server's sshd shares this machine's network stack: the one case where a forward
// listening on 127.0.0.1:P, to the dev server's 127.0.0.1:P, would connect to itself (local-host.ts).
// The address the SSH connection reached cannot tell: Lima (127.0.0.1:60022), OrbStack (127.0.0.1:32222)
// and a Docker container published with -p 2222:22 are all reached over loopback, yet each has a network
// stack of its own, whose 127.0.0.1 is not ours. What decides is the kernel (its boot id: a VM has
// another) and, on Linux, the network namespace (a container on the same kernel has another). The same
// script runs on both ends; nothing else is read. The dev server's answer alone can only make tunnel
// more careful (an unknown or equal answer keeps the guard): clearing it also takes local evidence
// (session/self-forward.ts), since the remote account's startup files could print a forged line.

/** POSIX sh; prints one line `linux <boot id> <net:[inode]>` or `darwin <boot session uuid>`. */
export const MACHINE_IDENTITY_SCRIPT =
  'if b=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null); then ' +
  `printf 'linux %s %s\\n' "$b" "$(readlink /proc/self/ns/net 2>/dev/null)"; ` +
  // macOS keeps sysctl in /usr/sbin, which a non-interactive PATH (and the agent's) may lack.
  'elif b=$(/usr/sbin/sysctl -n kern.bootsessionuuid 2>/dev/null || sysctl -n kern.bootsessionuuid 2>/dev/null); ' +
  'then printf \'darwin %s\\n\' "$b"; fi';

export interface MachineIdentity {
  kernel: 'linux' | 'darwin';
  /** Linux: /proc/sys/kernel/random/boot_id. macOS: sysctl kern.bootsessionuuid. New at every boot. */
  boot: string;
  /** Linux: /proc/self/ns/net's link (`net:[4026531840]`); undefined when unreadable. */
  netns?: string;
}

const LINUX =
  /^linux ([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?: (net:\[\d{1,20}\]))?\s*$/;
const DARWIN = /^darwin ([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\s*$/;

/** The script's line among whatever else a shell printed (a chatty rc file); undefined when none. */
export function parseMachineIdentity(stdout: string): MachineIdentity | undefined {
  for (const line of stdout.split('\n')) {
    const linux = LINUX.exec(line);
    if (linux?.[1])
      return linux[2]
        ? { kernel: 'linux', boot: linux[1], netns: linux[2] }
        : { kernel: 'linux', boot: linux[1] };
    const darwin = DARWIN.exec(line);
    if (darwin?.[1]) return { kernel: 'darwin', boot: darwin[1].toUpperCase() };
  }
  return undefined;
}

export type SameMachine = 'same' | 'other' | 'unknown';

/** 'other' only on evidence: another kernel, another boot, or another network namespace. */
export function compareMachines(
  local: MachineIdentity | undefined,
  remote: MachineIdentity | undefined,
): SameMachine {
  if (!local || !remote) return 'unknown';
  if (local.kernel !== remote.kernel || local.boot !== remote.boot) return 'other';
  if (local.kernel === 'darwin') return 'same'; // One network stack per macOS kernel.
  if (local.netns === undefined || remote.netns === undefined) return 'unknown';
  return local.netns === remote.netns ? 'same' : 'other';
}
