// known_hosts as OpenSSH reads it (sshd.8 "SSH_KNOWN_HOSTS FILE FORMAT", hostfile.c, match.c).
// Pure: text in, entries and verdicts out; reading and appending files is host-key.ts's job.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export type KnownHostsMarker = 'revoked' | 'cert-authority';

export interface KnownHostsEntry {
  file: string;
  /** 1-based, as OpenSSH and `ssh-keygen -R` report it. */
  line: number;
  marker: KnownHostsMarker | undefined;
  /** The raw host field: comma-separated patterns, or `|1|salt|hash`. */
  hosts: string;
  hashed: { salt: Buffer; hash: Buffer } | undefined;
  keyType: string;
  keyBlob: Buffer;
  comment: string | undefined;
}

export interface KnownHostsParseResult {
  entries: KnownHostsEntry[];
  /** One per skipped line, `file:line: why` (OpenSSH skips such lines too). */
  warnings: string[];
}

/**
 * hostfile.c check_hostkeys_by_key_or_type: a host with ANY known key (whatever its type) that is not
 * the presented one is 'changed'; only a host with no key at all is 'unknown' (what accept-new may add).
 */
export type HostKeyStatus = 'match' | 'changed' | 'revoked' | 'unknown';

export interface HostKeyCheck {
  status: HostKeyStatus;
  matchedLine?: KnownHostsEntry;
  /** For 'changed': this host's lines (any key type) other than the presented key; for 'revoked': the @revoked line. */
  conflictingLines?: KnownHostsEntry[];
  /** @cert-authority lines for the host: unusable, ssh2 never negotiates host certificates. */
  certAuthorityLines?: KnownHostsEntry[];
}

export interface HostKeyQuery {
  /** Lookup names, already in known_hosts form (`name` or `[name]:port`); see knownHostsName. */
  hostNames: readonly string[];
  /** The presented key (its type does not matter to the verdict: any known key makes the host known). */
  keyBlob: Buffer;
}

/** misc.c put_host_port: port 22 is the bare name, anything else `[name]:port`. */
export function knownHostsName(name: string, port: number): string {
  return port === 22 ? name : `[${name}]:${port}`;
}

type LookupTarget = { hostName: string; hostKeyAlias: string | undefined; port: number };

/**
 * sshconnect.c get_hostfile_hostname_ipaddr: HostKeyAlias verbatim (no port: real ssh 9.2 writes
 * `devbox`, not `[devbox]:2222`), else the HostName with `[..]:port` off port 22. ssh lowercases both.
 * The server's address, looked up too under CheckHostIP, is host-ip.ts's.
 */
export function lookupName(target: LookupTarget): string {
  if (target.hostKeyAlias !== undefined) return target.hostKeyAlias.toLowerCase();
  return knownHostsName(target.hostName.toLowerCase(), target.port);
}

/**
 * sshconnect.c check_host_key, HOST_NEW: without HostKeyAlias and off port 22, ssh looks again under the
 * bare HostName, and accepts only the exact key there (ROQUIET: a different key there changes nothing).
 */
export function portlessName(target: LookupTarget): string | undefined {
  if (target.hostKeyAlias !== undefined || target.port === 22) return undefined;
  return target.hostName.toLowerCase();
}

/** The algorithm name embedded at the start of an SSH wire-format key blob. */
export function blobKeyType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.subarray(4, 4 + length).toString('latin1');
}

function plainKeyType(keyType: string): string {
  return keyType.startsWith('rsa-sha2-') ? 'ssh-rsa' : keyType;
}

/** `SHA256:` + unpadded base64, byte-for-byte what `ssh-keygen -lf` prints. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function hashName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function parseHashed(field: string): KnownHostsEntry['hashed'] | null {
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return null;
  const [salt, hash] = [parts[2] ?? '', parts[3] ?? ''];
  if (!BASE64.test(salt) || !BASE64.test(hash)) return null;
  const decoded = { salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
  // hostfile.c extract_salt: the salt must be exactly one SHA-1 digest long.
  return decoded.salt.length === 20 && decoded.hash.length === 20 ? decoded : null;
}

type LineResult = Omit<KnownHostsEntry, 'file' | 'line'> | string | undefined;

/** One line → an entry, undefined for comments/blank lines, or a string saying why it was skipped. */
function parseLine(raw: string): LineResult {
  const fields = raw.trim().split(/[ \t]+/);
  if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return undefined;
  let marker: KnownHostsMarker | undefined;
  if (fields[0].startsWith('@')) {
    if (fields[0] === '@revoked') marker = 'revoked';
    else if (fields[0] === '@cert-authority') marker = 'cert-authority';
    else return `unknown marker ${fields[0].slice(0, 40)}`;
    fields.shift();
  }
  const [hosts, keyType, base64, ...rest] = fields;
  if (!hosts || !keyType || !base64) return 'expected: [marker] hosts keytype base64-key [comment]';
  let hashed: KnownHostsEntry['hashed'];
  if (hosts.startsWith('|')) {
    const parsed = parseHashed(hosts);
    if (parsed === null) return 'malformed hashed host name';
    hashed = parsed;
  }
  if (!BASE64.test(base64)) return 'key is not base64';
  const keyBlob = Buffer.from(base64, 'base64');
  // sshkey_read refuses a blob whose embedded type differs from the key type field.
  if (blobKeyType(keyBlob) !== keyType) return `key data does not match type ${keyType.slice(0, 40)}`;
  const comment = rest.length > 0 ? rest.join(' ') : undefined;
  return { marker, hosts, hashed, keyType, keyBlob, comment };
}

/** Parses a whole known_hosts text; never throws, skips what OpenSSH would skip. */
export function parseKnownHosts(text: string, file: string): KnownHostsParseResult {
  const entries: KnownHostsEntry[] = [];
  const warnings: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const result = parseLine(raw);
    if (typeof result === 'string')
      warnings.push(`${file}:${index + 1}: skipped known_hosts line: ${result}`);
    else if (result !== undefined) entries.push({ file, line: index + 1, ...result });
  });
  return { entries, warnings };
}

/** Glob match for `*` and `?` with one backtrack point: linear in practice, no regex blow-up. */
export function globMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** match.c match_hostname: any positive pattern matches and no negated pattern does (case-insensitive). */
function patternsMatch(patterns: string, name: string): boolean {
  let positive = false;
  for (const raw of patterns.toLowerCase().split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!globMatch(name, pattern)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}

/** Whether an entry's host field covers one of the names (names in known_hosts form). */
export function entryMatchesHost(entry: KnownHostsEntry, hostNames: readonly string[]): boolean {
  return hostNames.some((rawName) => {
    const name = rawName.toLowerCase();
    if (entry.hashed) return hashName(name, entry.hashed.salt).equals(entry.hashed.hash);
    return patternsMatch(entry.hosts, name);
  });
}

/** OpenSSH's verdict for a presented host key (sshconnect.c check_host_key, stricter on @revoked). */
export function checkHostKey(entries: readonly KnownHostsEntry[], query: HostKeyQuery): HostKeyCheck {
  // A revoked key is refused whatever host patterns its line names: there is no safe host for it.
  const revoked = entries.find((entry) => entry.marker === 'revoked' && entry.keyBlob.equals(query.keyBlob));
  if (revoked) return { status: 'revoked', conflictingLines: [revoked] };
  const forHost = entries.filter((entry) => entryMatchesHost(entry, query.hostNames));
  const usable = forHost.filter((entry) => entry.marker === undefined);
  const certAuthorityLines = forHost.filter((entry) => entry.marker === 'cert-authority');
  const extra = certAuthorityLines.length > 0 ? { certAuthorityLines } : {};
  const matched = usable.find((entry) => entry.keyBlob.equals(query.keyBlob));
  if (matched) return { status: 'match', matchedLine: matched, ...extra };
  // Same type or not: a host we hold a key for is not new (an impostor picks the type we lack).
  if (usable.length > 0) return { status: 'changed', conflictingLines: usable, ...extra };
  return { status: 'unknown', ...extra };
}

/** A line as `ssh` writes it: `name type base64`, the name hashed when HashKnownHosts is on. */
export function formatKnownHostsLine(
  name: string,
  port: number,
  keyType: string,
  keyBlob: Buffer,
  hashed: boolean,
  salt: Buffer = randomBytes(20),
): string {
  return knownHostsLine(knownHostsName(name.toLowerCase(), port), { keyType, keyBlob, hashed, salt });
}

/** The same for a name already in known_hosts form (lookupName's result). */
export function knownHostsLine(
  host: string,
  key: { keyType: string; keyBlob: Buffer; hashed: boolean; salt?: Buffer },
): string {
  const { keyType, keyBlob, hashed, salt = randomBytes(20) } = key;
  const field = hashed ? `|1|${salt.toString('base64')}|${hashName(host, salt).toString('base64')}` : host;
  return `${field} ${plainKeyType(keyType)} ${keyBlob.toString('base64')}`;
}
