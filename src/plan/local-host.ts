// Whether an address is this machine: loopback, the wildcard, or one of its interfaces' addresses.
// Used to notice a dev server that is this very machine (`tunnel connect localhost`), where a forward
// listening on the port it forwards to would connect to itself, over and over. Only the first look: a VM
// or container reached over loopback (Lima, OrbStack) is cleared by session/self-forward.ts.
import os from 'node:os';

type Interfaces = ReturnType<typeof os.networkInterfaces>;

function normalize(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
}

export function isThisMachine(address: string, interfaces: Interfaces = os.networkInterfaces()): boolean {
  const host = normalize(address);
  if (host === 'localhost' || host === '::1' || host === '::' || host === '0.0.0.0' || /^127\./.test(host))
    return true;
  return Object.values(interfaces).some((list) => list?.some((entry) => normalize(entry.address) === host));
}
