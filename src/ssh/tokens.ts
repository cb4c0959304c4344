// `~`, `%x` and `${VAR}` expansion as OpenSSH applies it to IdentityFile / IdentityAgent
// (misc.c tilde_expand + percent_dollar_expand). Pure: the caller supplies every value.
import { createHash } from 'node:crypto';

/** What the local side contributes to token expansion (OpenSSH reads these from getpwuid/gethostname). */
export interface LocalContext {
  /** The user's home directory from the password database (OpenSSH's %d and `~`). */
  homeDir: string;
  localUser: string;
  uid: number;
  /** gethostname(), may include the domain (%l); %L is the part before the first dot. */
  localHostName: string;
  /** Environment for `${VAR}` and SSH_AUTH_SOCK. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The remote side of the expansion, known once `ssh -G` has resolved the host. */
export interface RemoteTokens {
  alias: string;
  hostName: string;
  port: number;
  user: string;
  hostKeyAlias: string | undefined;
  proxyJump: string | undefined;
}

/** Thrown for a token or variable OpenSSH would also refuse; callers decide whether to drop the value. */
export class TokenError extends Error {
  override readonly name = 'TokenError';
}

/** %C as OpenSSH 9.2 computes it: SHA-1 hex of %l%h%p%r (newer releases may also mix in %j). */
export function connectionHash(local: LocalContext, remote: RemoteTokens): string {
  const input = `${local.localHostName}${remote.hostName}${remote.port}${remote.user}`;
  return createHash('sha1').update(input).digest('hex');
}

function tokenTable(local: LocalContext, remote: RemoteTokens): Record<string, string> {
  return {
    '%': '%',
    C: connectionHash(local, remote),
    d: local.homeDir,
    h: remote.hostName,
    i: String(local.uid),
    j: remote.proxyJump ?? '',
    k: remote.hostKeyAlias ?? remote.alias,
    L: local.localHostName.split('.')[0] ?? local.localHostName,
    l: local.localHostName,
    n: remote.alias,
    p: String(remote.port),
    r: remote.user,
    u: local.localUser,
  };
}

/** `~` or `~/x` → home; `~user/x` is left alone (resolving another user needs the password database). */
export function expandTilde(value: string, homeDir: string): string {
  if (value === '~') return homeDir;
  if (value.startsWith('~/')) return homeDir.replace(/\/+$/, '') + value.slice(1);
  return value;
}

/**
 * One left-to-right pass over `${VAR}` and %-tokens, like OpenSSH's percent_dollar_expand, so a `%`
 * inside an environment value is never expanded again. Unknown tokens and unset variables throw
 * (fatal for tokens in OpenSSH; for variables OpenSSH ignores the setting, which callers mirror).
 */
export function expandTokens(value: string, table: Record<string, string>, env: LocalContext['env']): string {
  return value.replace(
    /\$\{([^}]*)\}|%(.?)/g,
    (_match, name: string | undefined, key: string | undefined) => {
      if (name !== undefined) {
        const fromEnv = env[name];
        if (fromEnv === undefined) throw new TokenError(`environment variable \${${name}} is not set`);
        return fromEnv;
      }
      const replacement = key ? table[key] : undefined;
      // Cut short: the value comes from the user's config and may be any length.
      const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
      if (replacement === undefined) throw new TokenError(`unknown token %${key ?? ''} in "${shown}"`);
      return replacement;
    },
  );
}

/** The full OpenSSH path expansion: tilde first, then `${VAR}` and %-tokens. */
export function expandPath(value: string, local: LocalContext, remote: RemoteTokens): string {
  return expandTokens(expandTilde(value, local.homeDir), tokenTable(local, remote), local.env);
}
