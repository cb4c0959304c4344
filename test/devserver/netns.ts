// Network namespaces as test hosts: a veth pair 10.231.<n>.1 (us) <-> 10.231.<n>.2 (the dev server).
// Root only. Fault injection is real: the link goes down, or iptables drops packets silently.
import { execFileSync } from 'node:child_process';

export interface Netns {
  name: string;
  hostAddress: string;
  nsAddress: string;
  linkDown(): void;
  linkUp(): void;
  /** Silently drop every packet to/from the namespace (no RST): a dead Wi-Fi from our side. */
  dropPackets(on: boolean): void;
  delete(): void;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

export function createNetns(index: number): Netns {
  const name = `tunnel-test-${index}`;
  const hostIf = `tt${index}h`;
  const nsIf = `tt${index}n`;
  const hostAddress = `10.231.${index}.1`;
  const nsAddress = `10.231.${index}.2`;
  try {
    killNamespacePids(name);
    ip('netns', 'del', name);
  } catch {
    // Not left over from an earlier run: nothing to clean.
  }
  try {
    ip('link', 'del', hostIf);
  } catch {
    // Same.
  }
  ip('netns', 'add', name);
  ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
  ip('link', 'set', nsIf, 'netns', name);
  ip('addr', 'add', `${hostAddress}/24`, 'dev', hostIf);
  ip('link', 'set', hostIf, 'up');
  ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsAddress}/24`, 'dev', nsIf);
  ip('netns', 'exec', name, 'ip', 'link', 'set', nsIf, 'up');
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  const iptables = (...args: string[]) =>
    execFileSync('ip', ['netns', 'exec', name, 'iptables', ...args], { stdio: 'pipe' });
  return {
    name,
    hostAddress,
    nsAddress,
    linkDown: () => ip('link', 'set', hostIf, 'down'),
    linkUp: () => ip('link', 'set', hostIf, 'up'),
    dropPackets: (on) => {
      const action = on ? '-I' : '-D';
      iptables(action, 'INPUT', '-i', nsIf, '-j', 'DROP');
      iptables(action, 'OUTPUT', '-o', nsIf, '-j', 'DROP');
    },
    delete: () => {
      // Whatever still runs in the namespace goes with it: sshd session processes left by a graceful
      // restart were reparented to init, so no process tree reaches them any more.
      killNamespacePids(name);
      try {
        ip('netns', 'del', name);
      } finally {
        try {
          ip('link', 'del', hostIf);
        } catch {
          // Deleting the namespace already removed the veth pair.
        }
      }
    },
  };
}

/** SIGKILL for every process inside namespace `name` (`ip netns pids`); none when it does not exist. */
function killNamespacePids(name: string): void {
  let pids: string[];
  try {
    // stderr piped: "Cannot open network namespace" for a namespace that is not there is the expected
    // answer here, not something for the test log.
    pids = execFileSync('ip', ['netns', 'pids', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Exited between the listing and the kill.
    }
  }
}
