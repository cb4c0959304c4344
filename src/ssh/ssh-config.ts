// Host resolution through the user's own OpenSSH (`ssh -G`), so Host/Match/Include behave exactly as
// for `ssh <alias>`; parseSshG is the pure half. Never parses ~/.ssh/config itself.

import os from 'node:os';
import { TunnelError, UsageError } from '../errors.js';
import { runProcess } from '../process/run.js';
import { stderrLines } from '../redact.js';
import { splitPathList } from './path-list.js';
import { expandPath, expandTilde, type LocalContext, type RemoteTokens, TokenError } from './tokens.js';
import type { SshTarget, StrictHostKeyChecking } from './types.js';

export type { LocalContext } from './tokens.js';

/** OpenSSH's client order when PreferredAuthentications is unset (readconf.c / sshconnect2.c). */
export const DEFAULT_AUTH_ORDER = [
  'gssapi-with-mic',
  'publickey',
  'keyboard-interactive',
  'password',
] as const;

/** `ssh -G` prints one `key value` per line; repeatable keys (identityfile) appear several times. */
function parseLines(stdout: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const rawLine of stdout.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    const space = line.search(/\s/);
    const key = (space === -1 ? line : line.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : line.slice(space + 1).trim();
    const list = values.get(key) ?? [];
    list.push(value);
    values.set(key, list);
  }
  return values;
}

function configError(alias: string, what: string): TunnelError {
  return new TunnelError('SSH_CONFIG', `ssh config for "${alias}": ${what}`, {
    hint: `Check the Host block for "${alias}" with: ssh -G ${alias}`,
  });
}

function parseInteger(alias: string, key: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  // The value is quoted cut short: a config can hold anything, and a message must stay one readable line.
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  if (!/^\d+$/.test(value)) throw configError(alias, `${key} "${shown}" is not a number`);
  return Number(value);
}

/** OpenSSH prints some booleans as yes/no and others as true/false. */
function parseBoolean(value: string | undefined): boolean {
  return value === 'yes' || value === 'true';
}

/** -G prints yes/no as true/false for this key; the raw spellings are accepted too. */
export function parseStrictHostKeyChecking(value: string | undefined): StrictHostKeyChecking {
  switch (value) {
    case 'true':
    case 'yes':
      return 'yes';
    case 'false':
    case 'no':
    case 'off':
      return 'no';
    case 'accept-new':
      return 'accept-new';
    default:
      return 'ask';
  }
}

/** `none` or 0 means "no timeout beyond TCP's", which OpenSSH prints as `none`. */
function parseConnectTimeout(alias: string, value: string | undefined): number | undefined {
  if (value === undefined || value === 'none') return undefined;
  const seconds = parseInteger(alias, 'connecttimeout', value, 0);
  return seconds > 0 ? seconds : undefined;
}

/** A comma-separated algorithm list; undefined when ssh printed none. */
function parseList(value: string | undefined): string[] | undefined {
  const list = value?.split(',').filter((entry) => entry !== '');
  return list && list.length > 0 ? list : undefined;
}

function optional(value: string | undefined): string | undefined {
  return value === undefined || value === '' || value === 'none' ? undefined : value;
}

/** IdentityAgent: "none" disables, "SSH_AUTH_SOCK" or "$VAR" read the environment, else a path. */
function resolveIdentityAgent(raw: string | undefined, local: LocalContext, remote: RemoteTokens) {
  if (raw === undefined || raw === 'SSH_AUTH_SOCK') return optional(local.env.SSH_AUTH_SOCK);
  if (raw === 'none') return undefined;
  if (raw.startsWith('$') && !raw.startsWith('${')) return optional(local.env[raw.slice(1)]);
  return expandPath(raw, local, remote);
}

/** Expands each IdentityFile; one naming an unset variable is dropped, as OpenSSH drops it. */
function expandIdentityFiles(raw: string[], local: LocalContext, remote: RemoteTokens): string[] {
  const files: string[] = [];
  for (const value of raw) {
    if (value === 'none') continue;
    try {
      files.push(expandPath(value, local, remote));
    } catch (error) {
      if (!(error instanceof TokenError) || !/environment variable/.test(error.message)) throw error;
    }
  }
  return files;
}

/** UserKnownHostsFile / GlobalKnownHostsFile: paths may hold spaces (path-list.ts says how they split). */
function splitPaths(value: string | undefined, homeDir: string): string[] {
  return splitPathList(value).map((entry) => expandTilde(entry, homeDir));
}

/** Pure parser of `ssh -G` stdout for `alias`; `local` supplies what OpenSSH takes from the system. */
export function parseSshG(stdout: string, alias: string, local: LocalContext): SshTarget {
  const values = parseLines(stdout);
  const first = (key: string) => values.get(key)?.[0];
  const hostName = first('hostname');
  const user = first('user');
  if (!hostName) throw configError(alias, 'ssh -G printed no hostname');
  if (!user) throw configError(alias, 'ssh -G printed no user');
  const remote: RemoteTokens = {
    alias,
    hostName,
    user,
    port: parseInteger(alias, 'port', first('port'), 22),
    hostKeyAlias: optional(first('hostkeyalias')),
    proxyJump: optional(first('proxyjump')),
  };
  try {
    return {
      ...remote,
      identityFiles: expandIdentityFiles(values.get('identityfile') ?? [], local, remote),
      identitiesOnly: parseBoolean(first('identitiesonly')),
      identityAgent: resolveIdentityAgent(first('identityagent'), local, remote),
      userKnownHostsFiles: splitPaths(first('userknownhostsfile'), local.homeDir),
      globalKnownHostsFiles: splitPaths(first('globalknownhostsfile'), local.homeDir),
      strictHostKeyChecking: parseStrictHostKeyChecking(first('stricthostkeychecking')),
      hashKnownHosts: parseBoolean(first('hashknownhosts')),
      checkHostIp: parseBoolean(first('checkhostip')),
      hostKeyAlgorithms: parseList(first('hostkeyalgorithms')),
      connectTimeoutSeconds: parseConnectTimeout(alias, first('connecttimeout')),
      serverAliveIntervalSeconds: parseInteger(alias, 'serveraliveinterval', first('serveraliveinterval'), 0),
      serverAliveCountMax: parseInteger(alias, 'serveralivecountmax', first('serveralivecountmax'), 3),
      proxyCommand: optional(first('proxycommand')),
      certificateFiles: expandIdentityFiles(values.get('certificatefile') ?? [], local, remote),
      proxyUseFdpass: parseBoolean(first('proxyusefdpass')),
      gssapiAuthentication: parseBoolean(first('gssapiauthentication')),
      preferredAuthentications: parseList(first('preferredauthentications')) ?? [...DEFAULT_AUTH_ORDER],
      kbdInteractiveAuthentication: first('kbdinteractiveauthentication') !== 'no',
      passwordAuthentication: first('passwordauthentication') !== 'no',
      numberOfPasswordPrompts: parseInteger(
        alias,
        'numberofpasswordprompts',
        first('numberofpasswordprompts'),
        3,
      ),
      batchMode: parseBoolean(first('batchmode')),
      kexAlgorithms: parseList(first('kexalgorithms')),
      ciphers: parseList(first('ciphers')),
      macs: parseList(first('macs')),
      pubkeyAcceptedAlgorithms: parseList(first('pubkeyacceptedalgorithms')),
    };
  } catch (error) {
    if (error instanceof TokenError) throw configError(alias, error.message);
    throw error;
  }
}

/** What OpenSSH would take from getpwuid()/gethostname(); `env` only for `${VAR}` and SSH_AUTH_SOCK. */
export function localContext(env: NodeJS.ProcessEnv = process.env): LocalContext {
  const info = os.userInfo();
  return {
    homeDir: info.homedir || env.HOME || '/',
    localUser: info.username,
    uid: info.uid,
    localHostName: os.hostname(),
    env: { ...env },
  };
}

/** An alias that starts with `-` would be read by ssh as an option; whitespace/control chars are never valid. */
export function assertSafeAlias(alias: string): void {
  if (alias === '' || alias.startsWith('-') || /[\s\x00-\x1f\x7f]/.test(alias)) {
    throw new UsageError(
      `"${alias.replace(/[\x00-\x1f\x7f]/g, '?')}" is not a valid ssh host alias`,
      'Pass the Host alias from ~/.ssh/config (or user@host); it must not start with "-" or contain spaces.',
    );
  }
}

export interface ResolveTargetOptions {
  /** Passed to `ssh -F`; when unset ssh reads ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs `ssh -G [-F file] -- alias` so Host/Match/Include resolve exactly as for the user's own ssh. */
export async function resolveTarget(alias: string, options: ResolveTargetOptions = {}): Promise<SshTarget> {
  assertSafeAlias(alias);
  const env = options.env ?? process.env;
  const args = [...(options.configFile ? ['-F', options.configFile] : []), '-G', '--', alias];
  // 30 s: a slow `Match exec` must not hang a command; ssh gets only `env`, and no stdin.
  const result = await runProcess({ file: 'ssh', args, env, timeoutMs: 30_000 });
  if (result.exitCode === undefined) {
    // No exit code: ssh could not be run (not installed) or was stopped (the timeout); failure says which.
    throw new TunnelError('SSH_CONFIG', result.failure, {
      hint: 'Install the OpenSSH client (e.g. `apt install openssh-client`) and check that `ssh -G <alias>` works.',
    });
  }
  if (result.exitCode !== 0) {
    const stderr = stderrLines(result.stderr).join('\n') || `exit code ${result.exitCode}`;
    throw new TunnelError('SSH_CONFIG', `ssh -G ${alias} failed: ${stderr}`, {
      hint: `Fix the ssh config for "${alias}", then check it with: ssh -G ${alias}`,
    });
  }
  return parseSshG(result.stdout, alias, localContext(env));
}
