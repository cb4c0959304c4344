// sshd in a private mount namespace with test files bind-mounted over system ones (a login shell in
// /etc/passwd, a PAM stack in /etc/pam.d/sshd): the machine's files are never touched. Root only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface MountOptions {
  /** Where our copies of the files are written. */
  dir: string;
  loginShell?: string;
  pamStack?: string;
  /**
   * Programs this machine has that the dev server must not (e.g. a real /usr/local/bin/docker): an empty,
   * non-executable file is bind-mounted over each that exists, so `test -x` and PATH lookups miss it.
   */
  hidden?: string[];
}

/** A copy of /etc/passwd where the current user's login shell is `shell`. */
function passwdWithShell(dir: string, shell: string): string {
  const user = currentUser();
  const passwd = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => (line.startsWith(`${user}:`) ? [...line.split(':').slice(0, 6), shell].join(':') : line))
    .join('\n');
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, passwd);
  return file;
}

/**
 * `argv` in a private mount namespace with files of ours bind-mounted over system files (the login shell in
 * /etc/passwd, the PAM stack in /etc/pam.d/sshd); unshare and sh exec, so the pid is sshd's.
 */
export function withMounts(options: MountOptions, argv: string[]): string[] {
  const binds: [string, string][] = [];
  if (options.loginShell) binds.push([passwdWithShell(options.dir, options.loginShell), '/etc/passwd']);
  if (options.pamStack !== undefined) {
    const file = path.join(options.dir, 'pam-sshd');
    fs.writeFileSync(file, options.pamStack);
    binds.push([file, '/etc/pam.d/sshd']);
  }
  const hidden = (options.hidden ?? []).filter((file) => fs.existsSync(file));
  if (hidden.length > 0) {
    const empty = path.join(options.dir, 'hidden-program');
    fs.writeFileSync(empty, '', { mode: 0o644 });
    for (const file of hidden) binds.push([empty, file]);
  }
  if (binds.length === 0) return argv;
  if (process.getuid?.() !== 0)
    throw new Error('loginShell, pamStack and hidden need root (a mount namespace)');
  // sh -c <script> <$0> <$1>…: the word after the script is $0, so a name goes there and the pairs follow.
  const mounts = binds.map((_, index) => `mount --bind "$${2 * index + 1}" "$${2 * index + 2}"`);
  const script = `${mounts.join(' && ')} && shift ${2 * binds.length} && exec "$@"`;
  return [
    'unshare',
    '--mount',
    '--propagation',
    'private',
    '--',
    'sh',
    '-c',
    script,
    'mounts',
    ...binds.flat(),
    ...argv,
  ];
}

export function currentUser(): string {
  return execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
}
