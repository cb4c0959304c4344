// The client side of an SSH setup as a user has it: a temp dir with the ssh config naming one alias, its
// known_hosts, keys, an SSH_ASKPASS script that answers one-time codes and passwords from a file (never
// argv), a PAM check script for the server, and python3's fd-passing ProxyCommand. Everything lives under
// the fixture's dir and goes with it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The one-time code and the password the PAM check scripts accept. */
export const GOOD_CODE = '314159';
export const GOOD_PASSWORD = 'correct horse battery';

export interface ClientFiles {
  /** The fixture's own temp dir (tunnel-setup-…). */
  dir: string;
  askpass: string;
  /** Writes what the askpass script answers from now on. */
  answer(text: string): void;
  /** From now on the askpass script fails (exit 1, nothing on stdout): nobody is there to answer. */
  refuse(): void;
  /** The prompts the askpass script was run with, in order (prompts only; never the answers). */
  asked(): string[];
  /** SSH_ASKPASS + SSH_ASKPASS_REQUIRE=force, for `ssh` or `tunnel`. */
  askpassEnv(): Record<string, string>;
  remove(): void;
}

export function makeClientFiles(): ClientFiles {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-setup-'));
  const answerFile = path.join(dir, 'answer');
  const askedFile = path.join(dir, 'asked');
  const askpass = path.join(dir, 'askpass');
  // As OpenSSH runs it: the prompt is argv[1], the answer is stdout (cat fails when refuse() removed it).
  const script = `#!/bin/sh\nprintf '%s\\n' "$1" >> '${askedFile}'\ncat '${answerFile}'\n`;
  fs.writeFileSync(askpass, script, { mode: 0o700 });
  const answer = (text: string) => fs.writeFileSync(answerFile, text, { mode: 0o600 });
  answer(GOOD_CODE);
  return {
    dir,
    askpass,
    answer,
    refuse: () => fs.rmSync(answerFile, { force: true }),
    asked: () =>
      fs.existsSync(askedFile) ? fs.readFileSync(askedFile, 'utf8').split('\n').slice(0, -1) : [],
    askpassEnv: () => ({ SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A PAM stack whose only auth step is pam_exec with expose_authtok: the answer arrives on the script's
 * stdin (NUL-terminated), and the script accepts exactly `secret`. pam_exec asks "Password: " itself when
 * nothing asked before it, so that is the prompt a keyboard-interactive client sees.
 */
export function pamStackAccepting(dir: string, name: string, secret: string): string {
  const script = path.join(dir, `pam-check-${name}`);
  const quoted = `'${secret.replaceAll("'", `'\\''`)}'`;
  fs.writeFileSync(script, `#!/bin/sh\n[ "$(head -c 1024 | tr -d '\\000')" = ${quoted} ]\n`, { mode: 0o700 });
  return [
    `auth required pam_exec.so expose_authtok quiet ${script}`,
    // pam_exec has no credentials to set (PAM_IGNORE); alone, sshd's pam_setcred would then fail.
    'auth required pam_permit.so',
    'account required pam_permit.so',
    'session required pam_permit.so',
    'password required pam_deny.so',
    '',
  ].join('\n');
}

/** ProxyCommand for ProxyUseFdpass: connects to host:port and hands the socket to ssh over fd 1. */
export function writeFdpassHelper(dir: string): string {
  const helper = path.join(dir, 'fdpass.py');
  const code = [
    'import socket, sys',
    'conn = socket.create_connection((sys.argv[1], int(sys.argv[2])))',
    '# ssh runs us with fd 1 as one end of a Unix socketpair; the connected socket goes over it.',
    'socket.send_fds(socket.socket(fileno=1), [b"\\0"], [conn.fileno()])',
    '',
  ].join('\n');
  fs.writeFileSync(helper, code, { mode: 0o600 });
  return helper;
}

export interface CertificateOptions {
  ca: string;
  publicKey: string;
  identity: string;
  principals: string;
  host?: boolean;
  /** Where the certificate goes; default: ssh-keygen's `<key>-cert.pub` beside the key. */
  out?: string;
}

/** `ssh-keygen -s <ca>` over `publicKey`; returns the certificate's path. */
export function signCertificate(options: CertificateOptions): string {
  const host = options.host ? ['-h'] : [];
  const args = ['-q', '-s', options.ca, '-I', options.identity, ...host, '-n', options.principals];
  execFileSync('ssh-keygen', [...args, options.publicKey], { stdio: 'pipe' });
  const made = options.publicKey.replace(/\.pub$/, '-cert.pub');
  if (options.out && options.out !== made) fs.renameSync(made, options.out);
  return options.out ?? made;
}

export interface HostEntry {
  alias: string;
  hostName: string;
  port: number;
  user: string;
  key: string;
  knownHosts: string;
  /** Further options under the Host line, e.g. `CertificateFile /x`, `ProxyJump bastion`. */
  extra?: string[];
}

/** One `Host` block as a user writes it: no ssh-agent, only this key, strict host keys. */
export function hostBlock(entry: HostEntry, globalKnownHosts: string): string {
  return [
    `Host ${entry.alias}`,
    `  HostName ${entry.hostName}`,
    `  Port ${entry.port}`,
    `  User ${entry.user}`,
    `  IdentityFile ${entry.key}`,
    '  IdentitiesOnly yes',
    '  IdentityAgent none',
    `  UserKnownHostsFile ${entry.knownHosts}`,
    `  GlobalKnownHostsFile ${globalKnownHosts}`,
    '  StrictHostKeyChecking yes',
    ...(entry.extra ?? []).map((line) => `  ${line}`),
    '',
  ].join('\n');
}
