// ProxyJump values (`[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated) parsed as
// OpenSSH's parse_user_host_port / parse_ssh_uri do. Pure.
import { TunnelError } from '../errors.js';

export interface JumpHop {
  /** The host part: an alias looked up in the ssh config like any destination. */
  host: string;
  user: string | undefined;
  port: number | undefined;
}

function jumpError(raw: string, why: string): TunnelError {
  return new TunnelError('SSH_CONFIG', `Invalid ProxyJump "${raw}": ${why}`, {
    hint: 'Use ProxyJump [user@]host[:port][,host2...] in ~/.ssh/config; check it with: ssh -G <alias>',
  });
}

function parsePort(raw: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw jumpError(raw, `"${text}" is not a port number`);
  }
  return Number(text);
}

/** `host`, `host:port`, `[v6addr]` or `[v6addr]:port` (misc.c hpdelim2). */
function splitHostPort(raw: string, text: string): { host: string; port: number | undefined } {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw jumpError(raw, `unbalanced "[" in "${text}"`);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw jumpError(raw, `unexpected "${rest}" after "]"`);
    return { host: text.slice(1, close), port: rest === '' ? undefined : parsePort(raw, rest.slice(1)) };
  }
  const colon = text.indexOf(':');
  if (colon === -1) return { host: text, port: undefined };
  return { host: text.slice(0, colon), port: parsePort(raw, text.slice(colon + 1)) };
}

function parseHop(raw: string, spec: string): JumpHop {
  let text = spec.trim();
  if (text.startsWith('ssh://')) text = text.slice('ssh://'.length).replace(/\/$/, '');
  // The LAST '@' separates the user, as in OpenSSH (user names may contain '@').
  const at = text.lastIndexOf('@');
  const user = at === -1 ? undefined : text.slice(0, at);
  const { host, port } = splitHostPort(raw, at === -1 ? text : text.slice(at + 1));
  if (host === '' || user === '') throw jumpError(raw, `empty host or user in "${spec}"`);
  if (host.startsWith('-') || /[\s\x00-\x1f\x7f]/.test(host))
    throw jumpError(raw, `"${host}" is not a host name`);
  return { host, user, port };
}

/** Hops in connection order (first = the one we dial directly). "none" or empty = no hops. */
export function parseProxyJump(raw: string | undefined): JumpHop[] {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'none') return [];
  return raw.split(',').map((spec) => parseHop(raw, spec));
}

/** Back to ProxyJump syntax, for handing the hops before the last to the last hop's own connection. */
export function formatProxyJump(hops: readonly JumpHop[]): string | undefined {
  if (hops.length === 0) return undefined;
  return hops
    .map((hop) => {
      const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
      return `${hop.user ? `${hop.user}@` : ''}${host}${hop.port ? `:${hop.port}` : ''}`;
    })
    .join(',');
}
