// Reads IdentityFiles for auth.ts: which exist, which are encrypted, and each one's public key
// (from `<file>.pub`, or the unencrypted header of an OpenSSH key) without asking for a passphrase.
import fs from 'node:fs/promises';
import ssh2 from 'ssh2';
import { unusableKeyType } from './agent-keys.js';

export interface IdentityFile {
  path: string;
  /** Private key text; never logged. undefined = only `<file>.pub` exists (usable through the agent). */
  privateKey: string | undefined;
  encrypted: boolean;
  /** SSH wire-format public key, when it could be learned without a passphrase. */
  publicBlob: Buffer | undefined;
}

export interface SkippedIdentity {
  path: string;
  reason: string;
  /** A certificate or FIDO key: ssh2 cannot offer it, OpenSSH can (a failed login may fall back). */
  ssh2Unusable?: boolean;
}

const OPENSSH_HEADER = '-----BEGIN OPENSSH PRIVATE KEY-----';
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

function readString(buffer: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buffer.length) return undefined;
  const length = buffer.readUInt32BE(offset);
  if (offset + 4 + length > buffer.length) return undefined;
  return { value: buffer.subarray(offset + 4, offset + 4 + length), next: offset + 4 + length };
}

/** openssh-key-v1: magic, cipher, kdf, kdf options, key count, then the first public key in clear. */
function inspectOpenSsh(text: string): { encrypted: boolean; publicBlob: Buffer | undefined } | undefined {
  const body = text.split(OPENSSH_HEADER)[1]?.split('-----END')[0];
  if (body === undefined) return undefined;
  const data = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (!data.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const cipher = readString(data, MAGIC.length);
  const kdf = cipher && readString(data, cipher.next);
  const kdfOptions = kdf && readString(data, kdf.next);
  if (!cipher || !kdfOptions) return undefined;
  const publicKey = readString(data, kdfOptions.next + 4);
  return { encrypted: cipher.value.toString('latin1') !== 'none', publicBlob: publicKey?.value };
}

/** Encrypted PEM (`Proc-Type: 4,ENCRYPTED`), PKCS#8 and PuTTY keys say so in clear text. */
function looksEncrypted(text: string): boolean {
  return (
    /Proc-Type:\s*4,ENCRYPTED/.test(text) ||
    text.includes('BEGIN ENCRYPTED PRIVATE KEY') ||
    /^Encryption:\s*(?!none)\S+/m.test(text)
  );
}

async function readPublicFile(file: string): Promise<Buffer | undefined> {
  try {
    const fields = (await fs.readFile(`${file}.pub`, 'utf8')).trim().split(/\s+/);
    return fields[1] ? Buffer.from(fields[1], 'base64') : undefined;
  } catch {
    return undefined;
  }
}

function blobType(blob: Buffer): string {
  return blob.length >= 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') : '';
}

/** A FIDO (sk-*) key file: named as skipped, since only OpenSSH can use it. */
function sshOnlyKey(file: string, publicBlob: Buffer | undefined): SkippedIdentity | undefined {
  const reason = publicBlob ? unusableKeyType(blobType(publicBlob)) : undefined;
  return reason ? { path: file, reason, ssh2Unusable: true } : undefined;
}

async function exists(file: string): Promise<boolean> {
  return await fs.stat(file).then(
    (stat) => stat.isFile(),
    () => false,
  );
}

/**
 * The certificates OpenSSH would offer (sshconnect2.c pubkey_prepare): each CertificateFile, and a
 * `<IdentityFile>-cert.pub` beside a key. ssh2 cannot offer a certificate; they are named, never dropped.
 */
export async function findCertificates(
  identityFiles: readonly string[],
  certificateFiles: readonly string[],
): Promise<SkippedIdentity[]> {
  const candidates = new Set([...certificateFiles, ...identityFiles.map((file) => `${file}-cert.pub`)]);
  const found: SkippedIdentity[] = [];
  for (const file of candidates) {
    if (!(await exists(file))) continue;
    const reason = 'a certificate: ssh2 cannot offer it; the OpenSSH transport can';
    found.push({ path: file, reason, ssh2Unusable: true });
  }
  return found;
}

/** Loads one IdentityFile; undefined when absent (ssh -G lists the default files even if missing). */
async function loadIdentityFile(file: string): Promise<IdentityFile | SkippedIdentity | undefined> {
  let privateKey: string;
  try {
    privateKey = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return { path: file, reason: `cannot read it (${code})` };
    // Like ssh: IdentityFile may name a key whose private half lives only in the agent.
    const publicBlob = await readPublicFile(file);
    const unusable = sshOnlyKey(file, publicBlob);
    if (unusable) return unusable;
    return publicBlob ? { path: file, privateKey: undefined, encrypted: false, publicBlob } : undefined;
  }
  const header = inspectOpenSsh(privateKey);
  const encrypted = header?.encrypted ?? looksEncrypted(privateKey);
  let publicBlob = (await readPublicFile(file)) ?? header?.publicBlob;
  const unusable = sshOnlyKey(file, publicBlob);
  if (unusable) return unusable;
  if (!encrypted) {
    const parsed = ssh2.utils.parseKey(privateKey);
    // e.g. PKCS#8 or FIDO (sk-*) keys, which ssh2 cannot use.
    if (parsed instanceof Error) return { path: file, reason: `unsupported key format (${parsed.message})` };
    publicBlob = parsed.getPublicSSH();
  }
  return { path: file, privateKey, encrypted, publicBlob };
}

/** Every IdentityFile that exists, in config order, plus the ones that exist but cannot be used. */
export async function loadIdentityFiles(files: readonly string[]) {
  const usable: IdentityFile[] = [];
  const skipped: SkippedIdentity[] = [];
  for (const file of new Set(files)) {
    const loaded = await loadIdentityFile(file);
    if (loaded === undefined) continue;
    if ('privateKey' in loaded) usable.push(loaded);
    else skipped.push(loaded);
  }
  return { usable, skipped };
}

/** A private key file is never this large; a bigger "key" is not read whole into memory. */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * Whether `passphrase` opens the private key in `file` (false when it cannot be read or parsed): lets a
 * passphrase typed once in a connect answer the same key's question again (session/answers.ts), and
 * a wrong one be asked again instead. Never logs either.
 */
export async function passphraseOpens(file: string, passphrase: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile() || stat.size > MAX_KEY_FILE_BYTES) return false;
    const parsed = ssh2.utils.parseKey(await fs.readFile(file, 'utf8'), passphrase);
    return !(parsed instanceof Error);
  } catch {
    return false;
  }
}
