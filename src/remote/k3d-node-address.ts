// The server and agent nodes' addresses on the cluster's docker network (`nodes[].IP.IP` of k3d's JSON),
// which the dev server can dial to reach every NodePort (kube-proxy answers it on every node). The dev
// server is untrusted: an address is kept only when it is a plain IPv4 or IPv6 literal (no zone, no host
// name, nothing a resolver or a shell could read differently), else dropped with a warning.
import { addressKind } from '../address-kind.js';
import { describeJson, quote, type RawNode } from './k3d-node.js';
import type { K3dNodeAddress } from './types.js';

// The longest IPv6 text form (with an embedded IPv4) is 45 characters.
const MAX_ADDRESS = 45;

/** The nodes that have a valid address, servers before agents, each by name. */
export function nodeAddresses(nodes: readonly RawNode[], warnings: string[]): K3dNodeAddress[] {
  const found: K3dNodeAddress[] = [];
  for (const node of nodes) {
    if (node.role !== 'server' && node.role !== 'agent') continue;
    // k3d prints "" for a stopped node (and older releases may omit IP): nothing to reach, nothing to say.
    if (node.ip === undefined || node.ip === null || node.ip === '') continue;
    if (!isAddressLiteral(node.ip)) {
      warnings.push(
        `node ${quote(node.name)}: its address ${describeJson(node.ip)} is not an IP address; ` +
          'Services are not reached through it',
      );
      continue;
    }
    found.push({ name: node.name, role: node.role, address: node.ip, running: node.running });
  }
  return found.sort(
    (a, b) =>
      (a.role === b.role ? 0 : a.role === 'server' ? -1 : 1) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/** A bare IPv4/IPv6 literal a node can have: not unspecified, loopback, multicast or broadcast; no zone. */
export function isAddressLiteral(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_ADDRESS) return false;
  if (!/^[0-9A-Fa-f.:]+$/.test(value)) return false;
  const kind = addressKind(value);
  return kind !== 'invalid' && kind !== 'loopback' && kind !== 'other' && !isReservedV4(value);
}

// 0.0.0.0/8 ("this network"), multicast and the broadcast address are no node's address.
function isReservedV4(value: string): boolean {
  if (value.includes(':')) return false;
  const first = Number(value.split('.')[0]);
  return first === 0 || first >= 224;
}
