// Is a docker engine named by tcp:// or ssh:// really on another machine, and can the SSH server dial it?
// - ssh:// is dialled by `ssh <host>` on the dev server, with its ~/.ssh/config: `ssh -G` prints what ssh
//   would use (HostName, ProxyJump, ProxyCommand) without connecting. The forwards go to that HostName; a
//   ProxyJump/ProxyCommand engine is not reachable by the SSH server at all.
// - Either scheme may name the dev server itself (DOCKER_HOST=tcp://devbox.example.com:2376 for TLS): its
//   name (`hostname`, `hostname -f`, the name the laptop dialled) or one of its addresses (`hostname -I`,
//   every interface but loopback) says so, and its loopback-bound ports stay reachable.
// Every lookup is an argv of fixed words plus a host already checked to be a plain name; the answers come
// from the dev server and are bounded and parsed, never run. A lookup that could not be asked (timeout,
// dropped channel) throws, so the caller does not keep a guess for the life of the connection.
import { BlockList, isIP, isIPv6 } from 'node:net';
import { TunnelError } from '../errors.js';
import type { ExecResult, SshConnection } from '../ssh/types.js';
import { type DockerEngine, isPlainHostName, isThisHost } from './docker-endpoint.js';

const TIMEOUT_MS = 20_000;
const MAX_OUTPUT = 64 * 1024;

/** The engine placed: local when its host is the dev server, else the host the SSH server should dial. */
export async function locateEngineHost(conn: SshConnection, engine: DockerEngine): Promise<DockerEngine> {
  const named = engine.remoteHost;
  if (named === undefined) return engine;
  const alias = conn.target.alias;
  const config = engine.scheme === 'ssh' ? await sshConfig(conn, named) : undefined;
  const host = config?.hostname ?? named;
  // An ssh alias for the dev server's own loopback (a port-forwarded VM, say) is the dev server itself.
  if (isThisHost(host)) return { ...engine, remoteHost: undefined };
  if (config?.proxy) {
    return {
      ...engine,
      remoteHost: host,
      unreachable: {
        reason: `ssh on ${alias} reaches "${named}" through ${config.proxy}, which the SSH server cannot dial`,
        hint: `Publish the engine where ${alias} reaches it directly (DOCKER_HOST=tcp://… or ssh://<user>@<host it can dial>), or run the clusters on ${alias}.`,
      },
    };
  }
  const [resolved, names, addresses] = await Promise.all([
    ask(conn, ['getent', 'ahosts', host]),
    Promise.all([whatItSays(conn, ['hostname']), whatItSays(conn, ['hostname', '-f'])]),
    whatItSays(conn, ['hostname', '-I']),
  ]);
  const ownNames = [conn.target.hostName, ...names.map((text) => firstWord(text))];
  const own = addressList(addresses);
  const ips = resolved.code === 0 ? parseAhosts(resolved.stdout) : isIP(host) ? [host] : [];
  if (ownNames.some((name) => name?.toLowerCase() === host) || ips.some((ip) => isOwn(own, ip)))
    return { ...engine, remoteHost: undefined };
  // getent(1) exits 2 when the name is not found; 127 (no getent) leaves it to the forwards.
  if (resolved.code !== 2) return { ...engine, remoteHost: host };
  return {
    ...engine,
    remoteHost: host,
    unreachable: {
      reason: `"${host}" does not resolve on ${alias}`,
      hint:
        `"${named}" is probably a Host alias in ~/.ssh/config on ${alias} (only ssh reads it). Set DOCKER_HOST ` +
        `to ssh://<user>@<its real host name or IP> in ~/.profile there, or add it to /etc/hosts. Check with: ` +
        `ssh ${alias} getent hosts ${host}`,
    },
  };
}

async function ask(conn: SshConnection, argv: string[]): Promise<ExecResult> {
  const result = await conn.exec(argv, { timeoutMs: TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT });
  if (result.code === null) {
    throw new TunnelError(
      'REMOTE_COMMAND',
      `${argv[0]} on ${conn.target.alias} ended without an exit status.`,
    );
  }
  return result;
}

/**
 * The dev server's own names and addresses: its stdout, '' when it failed or did not answer in time. Not
 * fatal: `hostname -f` waits on DNS on some servers, and without them the engine is only taken as remote.
 */
async function whatItSays(conn: SshConnection, argv: string[]): Promise<string> {
  const result = await conn
    .exec(argv, { timeoutMs: 5_000, maxOutputBytes: MAX_OUTPUT })
    .catch(() => undefined);
  return result?.code === 0 ? result.stdout : '';
}

/** `ssh -G` of the engine's host: the host name ssh dials, and any jump on the way. */
async function sshConfig(conn: SshConnection, host: string) {
  const result = await ask(conn, ['ssh', '-G', '--', host]);
  return result.code === 0 ? parseSshG(result.stdout) : undefined;
}

/** Pure: `ssh -G` output (lower-case keywords) → its hostname (when plain) and a ProxyJump/ProxyCommand. */
export function parseSshG(text: string): { hostname: string | undefined; proxy: string | undefined } {
  let hostname: string | undefined;
  let proxy: string | undefined;
  for (const line of text.split('\n').slice(0, 2000)) {
    const [key = '', ...rest] = line.trim().split(/\s+/);
    const value = rest.join(' ');
    const name = value.toLowerCase();
    if (key === 'hostname' && (isPlainHostName(name) || isIPv6(name))) hostname = name;
    if ((key === 'proxyjump' || key === 'proxycommand') && value !== '' && value !== 'none') {
      proxy = key === 'proxyjump' ? `ProxyJump ${shortText(value)}` : 'a ProxyCommand';
    }
  }
  return { hostname, proxy };
}

function shortText(value: string): string {
  return /^[A-Za-z0-9@._:,[\]-]{1,200}$/.test(value) ? value : '(a jump host)';
}

function firstWord(text: string): string | undefined {
  const word = text.trim().split(/\s+/, 1)[0];
  return word && isPlainHostName(word.toLowerCase()) ? word : undefined;
}

/** Pure: `getent ahosts` lines ("10.0.0.7  STREAM name") → the addresses. */
export function parseAhosts(text: string): string[] {
  return text
    .split('\n')
    .slice(0, 500)
    .map((line) => line.trim().split(/\s+/, 1)[0] ?? '')
    .filter((address) => isIP(address) !== 0);
}

/** Pure: `hostname -I` (addresses separated by spaces) as a list that compares any spelling of one. */
export function addressList(text: string): BlockList {
  const list = new BlockList();
  for (const word of text.trim().split(/\s+/).slice(0, 500)) {
    const family = isIP(word);
    if (family !== 0) list.addAddress(word, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function isOwn(own: BlockList, address: string): boolean {
  return own.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
}
