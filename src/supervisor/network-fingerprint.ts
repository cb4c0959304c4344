// The network fingerprint the wake watch compares: it must change when a route to the dev server may
// have changed (new Wi-Fi, new DHCP lease, a VPN up or down) and stay put through the churn a Mac makes
// on its own, or every AirDrop beacon and IPv6 address rotation cancels the reconnect backoff.
// The rules follow Tailscale's netmon (tailscale/tailscale net/netmon, read at de9ec7ee):
// netmon_darwin.go isInterestingInterface ignores llw, awdl, ipsec, gif, XHC, anpi, lo, utun;
// netmon.go filterRoutableIPs keeps usable IPv4 (not loopback, not link-local 169.254/16) and IPv6
// global unicast (2000::/3) or ULA (fc00::/7), so fe80:: link-local never counts.
// Where we differ, and why:
// - utun and ipsec are NOT ignored by name: Tailscale ignores them because its own tunnel is a utun,
//   but for us a VPN coming up or down (utun4 with 10.8.0.6, an IKEv2 VPN on ipsec0) is exactly a
//   change that decides whether the dev server is reachable. The system's own utun0..3 (iCloud Private
//   Relay, Back to My Mac, Continuity) carry only fe80:: addresses, which the address rule drops.
// - bridge* (Internet Sharing, VM networks: UTM, Lima vmnet) and ap* (the Personal Hotspot access
//   point) are ignored too: the Mac creates them for guests it serves, never as its route to a server.
// - IPv6 counts by its network prefix, not its address: os.networkInterfaces() does not flag macOS's
//   temporary (privacy) addresses, which rotate daily and coexist with the stable one in the same /64,
//   while a real move to another network changes the prefix. IPv4 counts by address: a new lease
//   breaks every connection bound to the old one.
import os from 'node:os';
import { addressKind } from '../address-kind.js';

/** Interface families a Mac creates and changes on its own (names without the unit number). */
const DARWIN_CHURN = new Set(['awdl', 'llw', 'anpi', 'XHC', 'gif', 'stf', 'bridge', 'ap', 'lo']);

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/**
 * Routable addresses of the interfaces that matter, sorted: a Wi-Fi switch, VPN or new DHCP lease
 * changes it; AirDrop, temporary IPv6 addresses and link-local addresses do not.
 */
export function networkFingerprint(
  interfaces: Interfaces = os.networkInterfaces(),
  platform: NodeJS.Platform = process.platform,
): string {
  const keys = new Set<string>();
  for (const [name, entries] of Object.entries(interfaces)) {
    if (platform === 'darwin' && DARWIN_CHURN.has(name.replace(/\d+$/, ''))) continue;
    for (const entry of entries ?? []) {
      const key = entry.internal ? undefined : routableKey(entry);
      if (key) keys.add(`${name}=${key}`);
    }
  }
  return [...keys].sort().join(',');
}

function routableKey(entry: os.NetworkInterfaceInfo): string | undefined {
  const kind = addressKind(entry.address);
  if (entry.family === 'IPv4')
    return kind === 'loopback' || kind === 'link-local' ? undefined : entry.address;
  const groups = ipv6Groups(entry.address);
  if (!groups || (kind !== 'global' && kind !== 'unique-local')) return undefined;
  const mask = ipv6Groups(entry.netmask) ?? [];
  const prefix = groups.map((group, i) => (group & (mask[i] ?? 0)).toString(16)).join(':');
  return `${prefix}/${prefixLength(mask)}`;
}

/** The eight 16-bit groups of an IPv6 address (a zone suffix is ignored), or undefined. */
function ipv6Groups(address: string): number[] | undefined {
  const bare = address.split('%')[0] ?? '';
  const halves = bare.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const head = parse(halves[0]);
  const tail = parse(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    return undefined;
  return groups;
}

function prefixLength(mask: number[]): number {
  return mask.reduce((bits, group) => bits + group.toString(2).replace(/0/g, '').length, 0);
}
