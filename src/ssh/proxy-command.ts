// ProxyCommand transport: `sh -c 'exec <command>'` whose stdin/stdout become ssh2's socket.
// The child is ours: it is killed when the stream closes (and with tunnel, by the process module), and
// its stderr is kept for error messages.
import { Duplex } from 'node:stream';
import { TunnelError } from '../errors.js';
import { startProcess } from '../process/start.js';
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

const STDERR_TAIL_CHARS = 2048;

/** Starts the ProxyCommand; the Duplex ends when the command exits and kills it when destroyed. */
export async function spawnProxyCommand(
  target: SshTarget,
  log?: (level: 'debug' | 'warn', message: string) => void,
): Promise<ProxyCommandSocket> {
  const command = expandProxyCommand(target.proxyCommand ?? '', target);
  // `exec` like OpenSSH, so the pid we kill is the proxy itself and not an intermediate shell.
  const child = await startProcess({
    file: '/bin/sh',
    args: ['-c', `exec ${command}`],
    stdin: 'pipe',
    stderrTailChars: STDERR_TAIL_CHARS,
    onStderr: (text) => log?.('debug', `proxy command: ${text.trimEnd()}`),
  });
  const stdin = child.stdin!;
  // The child's own pipes, not copies: ssh2's writes wait on the proxy's reads (backpressure).
  const socket = Duplex.from({ readable: child.stdout, writable: stdin });
  // A command that could not start at all (no pid) fails the socket with why.
  void child.exited.then((result) => {
    if (child.pid === undefined) socket.destroy(new Error(result.failure));
  });
  stdin.on('error', () => {
    // EPIPE when the command exits first; the readable side's end reports the closure.
  });
  socket.on('error', () => child.stop());
  socket.on('close', () => child.stop());
  return { socket, stderrTail: () => child.stderrTail().trim() };
}
