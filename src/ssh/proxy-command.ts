// ProxyCommand transport: `sh -c 'exec <command>'` whose stdin/stdout become ssh2's socket.
// The child is ours: it is killed when the stream closes, and its stderr is kept for error messages.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { shellQuote } from './exec.js';
import type { SshTarget } from './types.js';

/** %h %p %r %n %% as ssh_config(5) allows in ProxyCommand; values are shell-quoted when needed. */
export function expandProxyCommand(command: string, target: SshTarget): string {
  const table: Record<string, string> = {
    '%': '%',
    h: shellQuote(target.hostName),
    p: String(target.port),
    r: shellQuote(target.user),
    n: shellQuote(target.alias),
  };
  return command.replace(/%(.?)/g, (_match, key: string) => {
    const value = key ? table[key] : undefined;
    if (value === undefined) {
      throw new TunnelError('SSH_CONFIG', `ProxyCommand for ${target.alias} uses an unknown token %${key}`, {
        hint: 'ProxyCommand accepts %h, %p, %r, %n and %%; check it with: ssh -G <alias>',
      });
    }
    return value;
  });
}

export interface ProxyCommandSocket {
  socket: Duplex;
  /** The last stderr output of the command (bounded), for "proxy command failed" messages. */
  stderrTail(): string;
}

const STDERR_TAIL_BYTES = 2048;

/** Starts the ProxyCommand; the Duplex ends when the command exits and kills it when destroyed. */
export function spawnProxyCommand(
  target: SshTarget,
  log?: (level: 'debug' | 'warn', message: string) => void,
): ProxyCommandSocket {
  const command = expandProxyCommand(target.proxyCommand ?? '', target);
  // `exec` like OpenSSH, so the pid we kill is the proxy itself and not an intermediate shell.
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    log?.('debug', `proxy command: ${chunk.toString('utf8').trimEnd()}`);
  });
  const socket = Duplex.from({ readable: child.stdout, writable: child.stdin });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  child.on('error', (error) => socket.destroy(error));
  child.stdin.on('error', () => {
    // EPIPE when the command exits first; the readable side's end reports the closure.
  });
  socket.on('error', () => kill());
  socket.on('close', kill);
  // Nor may it outlive us: an abandoned connect (Ctrl-C on `tunnel connect`, then the agent it started
  // stopped) ends the process before the handshake times out and closes the stream.
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return { socket, stderrTail: () => tail.trim() };
}
