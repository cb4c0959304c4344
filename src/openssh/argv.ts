// The command lines of the OpenSSH transport. Pure. The master reads the user's own config (their
// certificates, FIDO keys, ProxyJump, algorithms); every other ssh we start only talks to the master
// over its control socket, with `-F /dev/null`: with the user's config, a mux client also sends that
// Host's LocalForward/RemoteForward lines to the master (mux.c mux_client_forwards), which would bind the
// user's ports in our master, and a RemoteCommand or SessionType in it would break exec. `ProxyCommand
// false` makes sure a client whose master is gone fails at once: ssh would otherwise fall back to a
// connection of its own (mux.c muxclient returns -1 for sessions and stdio forwards).
import { keepaliveFor } from '../ssh/connection.js';
import type { HostKeyPolicy } from '../ssh/host-key.js';
import type { SshTarget } from '../ssh/types.js';

export const SSH = 'ssh';

export interface MasterArgs {
  /** `-F`: the session's config file, or the generated one (master-config.ts) that includes it. */
  configFile: string | undefined;
  controlPath: string;
  hostKeyPolicy: HostKeyPolicy;
  /** false: nobody can answer a password or keyboard-interactive prompt, so ssh must not try them. */
  canAnswer: boolean;
}

/**
 * StrictHostKeyChecking for every host of the login (target and ProxyJump hops): unattended never
 * trusts a new key; undefined = each host's own.
 */
export function strictHostKeyChecking(policy: HostKeyPolicy): string | undefined {
  if (policy.unattended) return 'yes';
  if (policy.acceptNewHostKey) return 'accept-new';
  return undefined;
}

/**
 * For the target itself: its own `no` becomes accept-new. With `no`, ssh logs in to a CHANGED key
 * (passwords and forwards off) before we could refuse; the ssh2 transport accepts a new key under `no`
 * but refuses a changed one before authenticating, and so does accept-new.
 */
export function targetStrictHostKeyChecking(target: SshTarget, policy: HostKeyPolicy): string | undefined {
  return strictHostKeyChecking(policy) ?? (target.strictHostKeyChecking === 'no' ? 'accept-new' : undefined);
}

/**
 * The options every ssh of the login gets, the target's and each ProxyJump hop's (master-config.ts):
 * the host-key policy; no UpdateHostKeys when nothing may be recorded or nobody started the connect
 * (a server's extra keys are written to known_hosts otherwise); no password or keyboard-interactive
 * when nobody can answer them.
 */
export function loginOverrides(
  input: Omit<MasterArgs, 'configFile' | 'controlPath'>,
): Array<[string, string]> {
  const { hostKeyPolicy: policy } = input;
  const strict = strictHostKeyChecking(policy);
  return [
    ...(strict ? [['StrictHostKeyChecking', strict] as [string, string]] : []),
    ...(policy.unattended || policy.record === false ? [['UpdateHostKeys', 'no'] as [string, string]] : []),
    ...(input.canAnswer
      ? []
      : [
          ['PasswordAuthentication', 'no'] as [string, string],
          ['KbdInteractiveAuthentication', 'no'] as [string, string],
        ]),
  ];
}

export function masterArgs(target: SshTarget, input: MasterArgs): string[] {
  const { intervalMs, countMax } = keepaliveFor(target, { hostKeyPolicy: input.hostKeyPolicy });
  const strict = targetStrictHostKeyChecking(target, input.hostKeyPolicy);
  const shared = loginOverrides(input).filter(([name]) => name !== 'StrictHostKeyChecking');
  return [
    ...(input.configFile ? ['-F', input.configFile] : []),
    '-M',
    '-S',
    input.controlPath,
    '-N',
    '-T',
    ...option('ControlPersist', 'no'),
    ...option('ClearAllForwardings', 'yes'),
    // The master must stay our child and quiet about nothing we need: a config's ForkAfterAuthentication
    // would look like an exit, a RemoteCommand has no place on a -N master, and the messages we read
    // (keepalive timeouts, "closed by remote host", host-key warnings) are logged at INFO.
    ...option('ForkAfterAuthentication', 'no'),
    ...option('RemoteCommand', 'none'),
    ...option('LogLevel', 'INFO'),
    ...option('ServerAliveInterval', String(Math.max(1, Math.round(intervalMs / 1000)))),
    ...option('ServerAliveCountMax', String(countMax)),
    ...(strict ? option('StrictHostKeyChecking', strict) : []),
    // -o wins over the config: only when the user did not say BatchMode yes (then no question at all).
    ...(target.batchMode ? [] : option('BatchMode', 'no')),
    ...shared.flatMap(([name, value]) => option(name, value)),
    '--',
    target.alias,
  ];
}

function option(name: string, value: string): string[] {
  return ['-o', `${name}=${value}`];
}

/** The start of every command that talks to the master (see the comment at the top). */
export function muxArgs(controlPath: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-S',
    controlPath,
    ...option('ControlMaster', 'no'),
    ...option('ProxyCommand', 'false'),
  ];
}

/** `ssh -O <command>` (check, exit, forward…); `extra` goes before the destination. */
export function controlArgs(controlPath: string, command: string, extra: string[] = []): string[] {
  return [...muxArgs(controlPath), '-O', command, ...extra, '--', 'tunnel-master'];
}

/** A session through the master running `command` (already quoted for the remote shell). */
export function execArgs(controlPath: string, command: string): string[] {
  return [...muxArgs(controlPath), '-T', '-q', '--', 'tunnel-master', command];
}

/** `-W host:port` through the master: a channel open the server must answer (see ping in connection.ts). */
export function stdioForwardArgs(controlPath: string, host: string, port: number): string[] {
  return [...muxArgs(controlPath), '-W', `${bracket(host)}:${port}`, '--', 'tunnel-master'];
}

/** `-L <socket>:<host>:<port>`: an IPv6 address in brackets, as readconf.c parse_fwd_field reads it. */
export function forwardSpec(socketPath: string, host: string, port: number): string {
  return `${socketPath}:${bracket(host)}:${port}`;
}

function bracket(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
