// Where the dev server's docker engine is, from the endpoint its docker CLI dials (pure). docker and k3d
// build their client the same way (docker/cli cli/command/cli.go resolveContextName: DOCKER_HOST, else
// DOCKER_CONTEXT, else config.json's currentContext), so `docker context inspect` names the engine k3d
// talks to, and the engine is where every published port listens. The text comes from the dev server:
// it is bounded, and the host must be a plain host name or IP (never an option-like word).
import { BlockList, isIP, isIPv6 } from 'node:net';
import { remoteText } from '../redact.js';

export type EndpointScheme = 'unix' | 'npipe' | 'fd' | 'tcp' | 'ssh';

/** The docker engine as the dev server's CLI reaches it. */
export interface DockerEngine {
  /** The endpoint as docker reported it, bounded for display; undefined when it could not be learnt. */
  endpoint: string | undefined;
  scheme: EndpointScheme | undefined;
  /** Set when the engine runs on another host: its published ports listen there, not on the dev server. */
  remoteHost: string | undefined;
  /** Why the endpoint was not understood (its ports are then taken to be on the dev server). */
  note?: string;
  /**
   * Set when the engine host is another machine the SSH server cannot dial (an ssh config alias that does
   * not resolve, a ProxyJump): its clusters are still listed, their forwards cannot reach it. Why, and what to do.
   */
  unreachable?: { reason: string; hint: string };
}

export const LOCAL_ENGINE: DockerEngine = { endpoint: undefined, scheme: undefined, remoteHost: undefined };

const MAX_ENDPOINT = 512;
const SCHEMES: Record<string, EndpointScheme> = {
  unix: 'unix',
  npipe: 'npipe',
  fd: 'fd',
  tcp: 'tcp',
  http: 'tcp',
  https: 'tcp',
  ssh: 'ssh',
};
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

/** The engine from one endpoint (`tcp://10.0.0.5:2375`, `ssh://dev@box`, `unix:///var/run/docker.sock`). */
export function parseDockerEndpoint(text: string): DockerEngine {
  const raw = text.trim();
  const endpoint = remoteText(raw, 200);
  if (raw === '' || raw.length > MAX_ENDPOINT || /[\s\x00-\x1f\x7f]/.test(raw)) {
    return { ...LOCAL_ENGINE, endpoint: endpoint || undefined, note: 'not a docker endpoint' };
  }
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(raw);
  const scheme = match ? SCHEMES[match[1]?.toLowerCase() ?? ''] : undefined;
  if (!match || !scheme)
    return { ...LOCAL_ENGINE, endpoint, note: 'an endpoint scheme docker does not dial' };
  if (scheme !== 'tcp' && scheme !== 'ssh') return { endpoint, scheme, remoteHost: undefined };
  const host = hostOf(match[2] ?? '');
  if (host === undefined)
    return { endpoint, scheme, remoteHost: undefined, note: 'its host is not a host name' };
  return { endpoint, scheme, remoteHost: isThisHost(host) ? undefined : host };
}

/** The host of `[user@]host[:port][/path]`; undefined when it is not a plain host name or IP. */
function hostOf(rest: string): string | undefined {
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  let host: string;
  let port: string | undefined;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end === -1) return undefined;
    host = hostPort.slice(1, end);
    const after = hostPort.slice(end + 1);
    if (after !== '' && !after.startsWith(':')) return undefined;
    port = after === '' ? undefined : after.slice(1);
    if (!isIPv6(host)) return undefined;
  } else {
    const parts = hostPort.split(':');
    if (parts.length > 2) return undefined;
    host = parts[0] ?? '';
    port = parts[1];
    // Docker reads an empty host as its default, localhost (opts.ParseTCPAddr).
    if (host === '') return 'localhost';
    if (!isPlainHostName(host)) return undefined;
  }
  if (port !== undefined && !/^\d{1,5}$/.test(port)) return undefined;
  return host.toLowerCase();
}

/** A host name or IPv4 address as DNS spells it: never option-like, never shell syntax. */
export function isPlainHostName(host: string): boolean {
  return host.length <= 253 && HOST_NAME.test(host);
}

// Every spelling of loopback and wildcard (`0:0::1`, `::ffff:127.0.0.1`): BlockList compares addresses, not text.
const THIS_HOST = new BlockList();
THIS_HOST.addSubnet('127.0.0.0', 8, 'ipv4');
THIS_HOST.addAddress('0.0.0.0', 'ipv4');
THIS_HOST.addAddress('::1', 'ipv6');
THIS_HOST.addAddress('::', 'ipv6');
THIS_HOST.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
THIS_HOST.addAddress('::ffff:0.0.0.0', 'ipv6');

/**
 * Loopback and wildcard addresses dial the dev server itself: its ports are where they always were. Only
 * dotted-quad IPv4 counts (`127.1` and `2130706433` are names here, as Go's net.ParseIP reads them).
 */
export function isThisHost(host: string): boolean {
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && THIS_HOST.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** True for an address only the host that binds it reaches (a mapping bound to the engine host's loopback). */
export function isLoopbackAddress(address: string): boolean {
  return isThisHost(address) && !['0.0.0.0', '::', '::ffff:0.0.0.0'].includes(address);
}
