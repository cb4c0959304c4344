// Pure readers of "who listens where" as the system tools print it: `ss -ltnH` (and `-p`), `lsof -nP
// -iTCP -sTCP:LISTEN`, and /proc/net/tcp{,6} (when a dev server has no ss). No I/O. Lines that are not
// a listening TCP socket are skipped, never an error: these tools' output varies by version.

export interface SocketListener {
  /** The bound address without brackets or %interface; '0.0.0.0' / '::' for every interface. */
  address: string;
  port: number;
  /** The owning processes, when the tool could say (ss -p, lsof); empty otherwise. */
  processes: { name: string; pid: number }[];
}

/** Splits `addr:port` as ss prints it: `0.0.0.0:80`, `*:80`, `[::]:80`, `127.0.0.53%lo:53`, `[fe80::1%eth0]:22`. */
function splitAddress(text: string): { address: string; port: number } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  let address = text.slice(0, colon);
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, '');
  if (address === '*') address = '0.0.0.0';
  // An IPv4-mapped IPv6 address is the IPv4 socket it stands for.
  address = address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return { address, port: Number(portText) };
}

/** `users:(("node",pid=1234,fd=20),("node",pid=1240,fd=20))` → name + pid of each. */
function parseSsUsers(text: string): { name: string; pid: number }[] {
  const processes: { name: string; pid: number }[] = [];
  for (const match of text.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)) {
    const pid = Number(match[2]);
    if (!processes.some((known) => known.pid === pid)) processes.push({ name: match[1] ?? '', pid });
  }
  return processes;
}

/** `ss -ltnH` / `ss -ltnpH` output: State Recv-Q Send-Q Local Peer [users:(…)]. */
export function parseSsListeners(text: string): SocketListener[] {
  const listeners: SocketListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Without -H the first line is a header; with -l every socket is LISTEN (older ss: "LISTEN", "UNCONN").
    if (fields.length < 5 || fields[0] !== 'LISTEN') continue;
    const local = splitAddress(fields[3] ?? '');
    if (!local) continue;
    listeners.push({ ...local, processes: parseSsUsers(fields.slice(5).join(' ')) });
  }
  return listeners;
}

/**
 * `lsof -nP -iTCP:<port> -sTCP:LISTEN`: COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME, NAME being
 * `127.0.0.1:8080 (LISTEN)`, `*:8080 (LISTEN)` or `[::1]:8080 (LISTEN)`. COMMAND escapes spaces as \x20.
 */
export function parseLsofListeners(text: string): SocketListener[] {
  const listeners: SocketListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 9 || fields[0] === 'COMMAND' || !/^\d+$/.test(fields[1] ?? '')) continue;
    const nameIndex = fields.findIndex((field, index) => index >= 8 && /:\d+$/.test(field));
    const local = nameIndex < 0 ? undefined : splitAddress(fields[nameIndex] ?? '');
    if (!local) continue;
    const name = (fields[0] ?? '').replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    const pid = Number(fields[1]);
    const same = listeners.find((entry) => entry.address === local.address && entry.port === local.port);
    if (same) {
      if (!same.processes.some((known) => known.pid === pid)) same.processes.push({ name, pid });
    } else listeners.push({ ...local, processes: [{ name, pid }] });
  }
  return listeners;
}

/** /proc/net/tcp and tcp6: `sl local_address rem_address st …`, addresses in hex, LISTEN is state 0A. */
export function parseProcNetTcp(text: string): SocketListener[] {
  const listeners: SocketListener[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== '0A') continue;
    const [hexAddress = '', hexPort = ''] = (fields[1] ?? '').split(':');
    if (!/^[0-9A-F]+$/i.test(hexPort)) continue;
    const address = decodeProcAddress(hexAddress);
    if (address === undefined) continue;
    listeners.push({ address, port: Number.parseInt(hexPort, 16), processes: [] });
  }
  return listeners;
}

// The kernel prints each 32-bit word of the address in host byte order (little-endian on x86 and arm).
function decodeProcAddress(hex: string): string | undefined {
  if (!/^[0-9A-F]+$/i.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((pair) => Number.parseInt(pair, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12).join('.');
  }
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2)
    groups.push(((bytes[index]! << 8) | bytes[index + 1]!).toString(16));
  return compressIpv6(groups.join(':'));
}

function compressIpv6(full: string): string {
  if (full === '0:0:0:0:0:0:0:0') return '::';
  const best = /(^|:)0(:0)+(:|$)/.exec(full);
  return best ? full.replace(best[0], '::') : full;
}

export function isWildcardAddress(address: string | undefined): boolean {
  return address === undefined || address === '' || address === '0.0.0.0' || address === '::';
}

/**
 * The listener that would stop a bind of `port` on `address` (undefined = every interface, as docker binds
 * a mapping without a host IP): same port, and either side on every interface or both on the same address.
 * A wildcard counts for both families, on purpose: lsof prints `*:P` alike for an IPv4-only socket, a
 * dual-stack `[::]` and a V6ONLY one, so which family it covers cannot be told. The cost is a needless
 * remap (say an IPv4-only `*:P` against `--bind ::1`), never a port taken from its holder.
 */
export function conflictingListener(
  listeners: readonly SocketListener[],
  address: string | undefined,
  port: number,
): SocketListener | undefined {
  return listeners.find(
    (listener) =>
      listener.port === port &&
      (isWildcardAddress(listener.address) || isWildcardAddress(address) || listener.address === address),
  );
}
