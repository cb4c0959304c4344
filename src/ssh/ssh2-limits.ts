// What ssh2 cannot do for this host, read from `ssh -G` and the files it names, BEFORE a login is tried:
// transport auto then goes straight to OpenSSH and says why (devserver/transport-choice.ts). Each reason
// is one line for the user: the ssh_config option and file, never key material.
import fs from 'node:fs/promises';
import os from 'node:os';
import { escapeControls } from '../redact.js';
import { algorithmLimits } from './algorithms.js';
import { entryMatchesHost, type KnownHostsEntry, lookupName } from './known-hosts.js';
import { loadKnownHosts } from './known-hosts-file.js';
import type { SshTarget } from './types.js';

/** A .pub or a key file's first bytes: enough for the type, never the whole of a hostile file. */
const MAX_KEY_BYTES = 64 * 1024;

export interface LimitsIo {
  /** At most `max` bytes of a file; undefined when it cannot be read (missing is normal). */
  readHead(file: string, max: number): Promise<Buffer | undefined>;
  loadKnownHosts(files: readonly string[]): Promise<{ entries: KnownHostsEntry[] }>;
  homeDir: string;
}

async function readHead(file: string, max: number): Promise<Buffer | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'r');
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, 0);
    return buffer.subarray(0, bytesRead);
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

const realIo = (): LimitsIo => ({ readHead, loadKnownHosts, homeDir: os.homedir() });

/** A path as the user wrote it: `~` for the home directory, control characters escaped. */
function shown(file: string, homeDir: string): string {
  const short = homeDir && file.startsWith(`${homeDir}/`) ? `~${file.slice(homeDir.length)}` : file;
  return escapeControls(short);
}

/** The key type of an openssh-key-v1 private key (its public half is stored unencrypted). */
export function privateKeyType(head: Buffer): string | undefined {
  const text = head.toString('latin1');
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END/.exec(text);
  if (!match?.[1]) return undefined;
  const blob = Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (blob.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let offset = magic.length;
  const string = (): Buffer | undefined => {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    if (offset + 4 + length > blob.length) return undefined;
    const value = blob.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return value;
  };
  // ciphername, kdfname, kdfoptions, then the key count and the first public key blob.
  if (!string() || !string() || !string() || offset + 4 > blob.length) return undefined;
  offset += 4;
  const publicKey = string();
  if (!publicKey || publicKey.length < 4) return undefined;
  const length = publicKey.readUInt32BE(0);
  return length > 0 && length <= 64 && 4 + length <= publicKey.length
    ? publicKey.subarray(4, 4 + length).toString('latin1')
    : undefined;
}

/** A key file's type from its .pub (first word), else from the private key itself. */
async function keyType(file: string, io: LimitsIo): Promise<string | undefined> {
  const pub = await io.readHead(`${file}.pub`, MAX_KEY_BYTES);
  const word = pub?.toString('latin1').trim().split(/\s+/)[0];
  if (word && /^[a-z0-9@.-]{1,64}$/.test(word)) return word;
  const head = await io.readHead(file, MAX_KEY_BYTES);
  return head ? privateKeyType(head) : undefined;
}

/** CertificateFile and `<IdentityFile>-cert.pub` (sshconnect2.c load_public_identity_files) that exist. */
async function certificateReasons(target: SshTarget, io: LimitsIo): Promise<string[]> {
  const reasons: string[] = [];
  for (const file of target.certificateFiles) {
    if (await io.readHead(file, 1))
      reasons.push(`CertificateFile ${shown(file, io.homeDir)}: ssh2 cannot log in with certificates`);
  }
  for (const file of target.identityFiles) {
    const cert = `${file}-cert.pub`;
    if (target.certificateFiles.includes(cert) || !(await io.readHead(cert, 1))) continue;
    reasons.push(
      `certificate ${shown(cert, io.homeDir)} beside IdentityFile ${shown(file, io.homeDir)}: ` +
        'ssh2 cannot log in with certificates',
    );
  }
  return reasons;
}

async function securityKeyReasons(target: SshTarget, io: LimitsIo): Promise<string[]> {
  const reasons: string[] = [];
  for (const file of target.identityFiles) {
    const type = await keyType(file, io);
    if (type?.startsWith('sk-'))
      reasons.push(
        `IdentityFile ${shown(file, io.homeDir)} is a security key (${type}): ssh2 cannot use FIDO keys`,
      );
  }
  return reasons;
}

/** known_hosts vouches for this host only through @cert-authority lines: needs host certificates. */
async function hostCertificateReason(target: SshTarget, io: LimitsIo): Promise<string | undefined> {
  const files = [...target.userKnownHostsFiles, ...target.globalKnownHostsFiles];
  const { entries } = await io.loadKnownHosts(files);
  const name = lookupName(target);
  const forHost = entries.filter((entry) => entry.marker !== 'revoked' && entryMatchesHost(entry, [name]));
  if (forHost.length === 0 || forHost.some((entry) => entry.marker === undefined)) return undefined;
  return `known_hosts trusts ${escapeControls(name)} only through @cert-authority lines: ssh2 cannot verify host certificates`;
}

/** Every reason ssh2 cannot serve this host; empty = ssh2 can try (a login may still find more). */
export async function ssh2Limits(target: SshTarget, io: LimitsIo = realIo()): Promise<string[]> {
  const reasons = algorithmLimits(target);
  if (target.proxyCommand !== undefined && target.proxyUseFdpass)
    reasons.push('ProxyUseFdpass yes: ssh2 cannot take a connection handed over by the ProxyCommand');
  if (target.gssapiAuthentication && target.preferredAuthentications.includes('gssapi-with-mic'))
    reasons.push('GSSAPIAuthentication yes: ssh2 has no Kerberos/GSSAPI login');
  reasons.push(...(await certificateReasons(target, io)));
  reasons.push(...(await securityKeyReasons(target, io)));
  const hostCertificate = await hostCertificateReason(target, io);
  if (hostCertificate) reasons.push(hostCertificate);
  return [...new Set(reasons)];
}
