// CheckHostIP (off by default since OpenSSH 8.5): the server's address is looked up in known_hosts too.
// When it applies is sshconnect.c check_host_key's rule, reproduced here as a pure function.
import { isIP } from 'node:net';
import { knownHostsName } from './known-hosts.js';
import type { SshTarget } from './types.js';

/** sockaddr_is_local: 127.0.0.0/8 and ::1 (ssh never checks a loopback address). */
function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith('127.');
  return address === '::1';
}

/**
 * The address's known_hosts name (`ip`, or `[ip]:port` off port 22), or undefined when ssh would not
 * check it: CheckHostIP off, no TCP address (ProxyCommand, ProxyJump), a loopback address, or a HostName
 * that is that very string (ssh compares the HostName with the address *with* its port, so an IP HostName
 * off port 22 is still checked; both lookups then name the same lines).
 */
export function ipLookupName(target: SshTarget, remoteAddress: string | undefined): string | undefined {
  if (!target.checkHostIp || remoteAddress === undefined || remoteAddress === '') return undefined;
  if (target.proxyCommand !== undefined || target.proxyJump !== undefined) return undefined;
  if (isLoopbackAddress(remoteAddress)) return undefined;
  const ip = knownHostsName(remoteAddress.toLowerCase(), target.port);
  return target.hostName.toLowerCase() === ip ? undefined : ip;
}
