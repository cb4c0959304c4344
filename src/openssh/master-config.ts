// The config file (`ssh -F`) of a master whose target goes through a ProxyJump. ssh runs each jump as
// `ssh -l user -p port [-F <our -F file>] -W '[host]:port' hop` (ssh.c): our `-o` options never reach
// the hop, only the -F file does. So the options every ssh of the login must get (an unattended reconnect
// never trusts a new key, nobody-can-answer turns passwords off, nothing is recorded by UpdateHostKeys)
// go first, under `Host *`, followed by the config ssh would have read: ssh_config is first-value-wins,
// so they apply to the target and to every hop, and everything else stays the user's. Without -F ssh
// reads ~/.ssh/config (of the passwd home, as ssh does) and then /etc/ssh/ssh_config; with -F only that
// file, hence the Includes. Limits, kept on purpose small: an OpenSSH built with another sysconfdir
// (Homebrew's /opt/homebrew/etc/ssh) has its own system file, which is then not read; a ProxyCommand
// that starts its own `ssh -W` reads the default files and gets none of this.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TunnelError } from '../errors.js';

export const SYSTEM_CONFIG = '/etc/ssh/ssh_config';

/** Characters an Include path cannot carry here (quoting, glob, %token and ${ENV} expansion, lines). */
const UNSAFE_INCLUDE = /["\\*?[\]{}%$\n\r]/;
/** ssh pastes the -F path unquoted into the hop's `sh -c` command line, then expands %tokens in it (ssh.c). */
const SHELL_SAFE_PATH = /^[A-Za-z0-9_.,:/@+=-]+$/;

/** The files the generated config includes: the session's -F file, else the two ssh reads by default. */
export function includedFiles(configFile: string | undefined, homeDir: string): string[] {
  if (configFile !== undefined) return [path.resolve(configFile)];
  return [path.join(homeDir, '.ssh', 'config'), SYSTEM_CONFIG];
}

/** The file's text: our options first (they win), then the user's config. */
export function masterConfigText(overrides: ReadonlyArray<[string, string]>, includes: string[]): string {
  for (const file of includes) {
    if (!UNSAFE_INCLUDE.test(file)) continue;
    throw new TunnelError(
      'SSH_CONNECT',
      `The ssh config path ${JSON.stringify(file)} has characters an Include line cannot carry.`,
      { hint: 'Move the config file to a plainer path, or connect with --transport ssh2.' },
    );
  }
  return [
    '# Written by tunnel for one OpenSSH master; removed with it. First value wins in ssh_config:',
    '# these options hold for the target and every ProxyJump hop, the rest is your own config.',
    'Host *',
    ...overrides.map(([name, value]) => `  ${name} ${value}`),
    ...includes.map((file) => `Include "${file}"`),
    '',
  ].join('\n');
}

/** Writes the config next to the control socket (0600 in the 0700 dir); returns its path. */
export async function writeMasterConfig(
  file: string,
  overrides: ReadonlyArray<[string, string]>,
  configFile: string | undefined,
): Promise<string> {
  if (!SHELL_SAFE_PATH.test(file)) {
    throw new TunnelError(
      'SSH_CONNECT',
      `The temporary directory of ${file} is not usable in the command ssh runs for a ProxyJump hop.`,
      { hint: 'Point TMPDIR at a plain directory, e.g. TMPDIR=/tmp, and retry.' },
    );
  }
  const text = masterConfigText(overrides, includedFiles(configFile, os.userInfo().homedir));
  await fs.writeFile(file, text, { mode: 0o600 });
  return file;
}
