// What a kubeconfig from the dev server may bring onto this machine (pure). k3d's kubeconfig holds the
// cluster CA and the admin certificate and key, embedded as base64 PEM; tunnel copies exactly those (and
// tls-server-name, which only narrows what is verified). Anything else could run a program here (exec,
// auth-provider), read or send a local file (tokenFile, *-file paths), or redirect or unverify TLS
// (proxy-url, insecure-skip-tls-verify), so it is dropped and named, never copied.

import { boundText } from '../redact.js';

type Fields = Record<string, unknown>;
export type Section = 'cluster' | 'user' | 'context';

/** A field left out of a rewritten entry, with why (shown to the user and logged). */
export interface DroppedField {
  /** kubectl's path, e.g. users[].user.exec */
  path: string;
  reason: string;
}

const LOCAL_FILE = 'kubectl would read a file on this machine';
const NOT_K3D = "k3d's kubeconfig has no such field; tunnel copies only the embedded certificates and key";

const REASONS: Record<Section, Record<string, string>> = {
  cluster: {
    'certificate-authority': LOCAL_FILE,
    'proxy-url': 'kubectl would send the API traffic through a proxy the dev server chose',
    'insecure-skip-tls-verify': "kubectl would not verify the API server's certificate",
  },
  user: {
    exec: 'a credential plugin would run a program on this machine',
    'auth-provider': 'an auth provider plugin would run on this machine',
    tokenFile: 'kubectl would send a file of this machine to the server as a token',
    'client-certificate': LOCAL_FILE,
    'client-key': LOCAL_FILE,
  },
  context: {},
};

/** Fields of each section that tunnel sets itself (server, names): replaced, so never reported. */
const OURS: Record<Section, readonly string[]> = {
  cluster: ['server'],
  user: [],
  context: ['cluster', 'user'],
};

/** Fields that pass when their value is valid. */
const KEPT: Record<Section, readonly string[]> = {
  cluster: ['certificate-authority-data', 'tls-server-name'],
  user: ['client-certificate-data', 'client-key-data'],
  context: [],
};

// A key is the dev server's text: bounded, so one huge key cannot fill an error, a log line or a report.
const MAX_KEY_CHARS = 100;
export const pathOf = (section: Section, key: string) =>
  `${section}s[].${section}.${boundText(key, MAX_KEY_CHARS)}`;

/** The named reason, if any: own keys only, so a key such as `constructor` or `__proto__` is just unknown. */
function namedReason(section: Section, key: string): string | undefined {
  const reasons = REASONS[section];
  return Object.hasOwn(reasons, key) ? reasons[key] : undefined;
}

export function reasonFor(section: Section, key: string): string {
  return namedReason(section, key) ?? NOT_K3D;
}

/** The fields an entry of this section may keep, and what is dropped (pure). */
export function allowed(section: Section, fields: Fields): { kept: Fields; dropped: DroppedField[] } {
  const kept: Fields = {};
  const dropped: DroppedField[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (OURS[section].includes(key)) continue;
    const problem = KEPT[section].includes(key) ? invalidValue(key, value) : reasonFor(section, key);
    if (problem === undefined) kept[key] = value;
    else dropped.push({ path: pathOf(section, key), reason: problem });
  }
  return { kept, dropped };
}

/** Fields of an existing kubeconfig entry that tunnel never writes and that act on this machine. */
export function unsafeFields(section: Section, fields: Fields): DroppedField[] {
  return Object.keys(fields)
    .filter((key) => namedReason(section, key) !== undefined)
    .map((key) => ({ path: pathOf(section, key), reason: reasonFor(section, key) }));
}

// A bundle of a few certificates is a few KiB; a bound keeps a hostile server from filling the file.
export const MAX_DATA_CHARS = 64 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[A-Za-z0-9+/=\r\n]+?-----END \1-----/g;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.:-]*[A-Za-z0-9])?$/;

const PEM_TYPES: Record<string, RegExp> = {
  'certificate-authority-data': /^CERTIFICATE$/,
  'client-certificate-data': /^CERTIFICATE$/,
  'client-key-data': /^(?:RSA |EC )?PRIVATE KEY$/,
};

/** Why a kept field's value is unusable, or undefined when it is fine. */
function invalidValue(key: string, value: unknown): string | undefined {
  if (key === 'tls-server-name') {
    return typeof value === 'string' && HOSTNAME.test(value) ? undefined : 'it is not a host name';
  }
  return invalidPemData(value, PEM_TYPES[key] ?? /^$/);
}

/** base64 (standard, padded, as client-go decodes it) of PEM blocks of the expected type, and nothing else. */
export function invalidPemData(value: unknown, type: RegExp): string | undefined {
  if (typeof value !== 'string' || value === '') return 'it is empty or not a string';
  if (value.length > MAX_DATA_CHARS) return `it is longer than ${MAX_DATA_CHARS} characters`;
  if (!BASE64.test(value)) return 'it is not base64';
  const text = Buffer.from(value, 'base64').toString('latin1');
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return 'it is not PEM';
  if (blocks.some((block) => !type.test(block[1]!))) return `it holds a PEM block of another kind`;
  if (text.replace(PEM_BLOCK, '').trim() !== '') return 'it holds more than PEM blocks';
  return undefined;
}
