// What kind of IP address a string is, for the two places that care about ranges: the Local Network
// privacy hint (ssh/connect-errors.ts: private, link-local and unique-local addresses are the LAN) and
// the network fingerprint (supervisor/network-fingerprint.ts: link-local and loopback never count).
// One table, read with Node's own parser (net.isIP, net.BlockList), so both agree on every spelling.
import { BlockList, isIP } from 'node:net';

export type AddressKind =
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'unique-local'
  | 'global'
  | 'other'
  | 'invalid';

const RANGES: [AddressKind, string, number, 'ipv4' | 'ipv6'][] = [
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['loopback', '::1', 128, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['unique-local', 'fc00::', 7, 'ipv6'],
  // IPv6 global unicast; anything else of IPv6 (::, multicast, documentation aside) is 'other'.
  ['global', '2000::', 3, 'ipv6'],
];

const LISTS = RANGES.map(([kind, network, prefix, family]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, family);
  return { kind, family, list };
});

/** The kind of `address` (an IPv6 zone suffix such as `%en0` is ignored). */
export function addressKind(address: string): AddressKind {
  const bare = address.split('%')[0] ?? '';
  const version = isIP(bare);
  if (version === 0) return 'invalid';
  const family = version === 6 ? 'ipv6' : 'ipv4';
  const found = LISTS.find((entry) => entry.family === family && entry.list.check(bare, family));
  if (found) return found.kind;
  return family === 'ipv4' ? 'global' : 'other';
}
