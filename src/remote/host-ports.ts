// Which TCP ports already listen on the dev server, read over the SSH connection we are given: `ss -ltnH`
// (sbin directories added to PATH, where some distributions keep ss), else /proc/net/tcp{,6}. Both
// commands are constants; nothing from the user reaches the remote shell.
import { parseProcNetTcp, parseSsListeners, type SocketListener } from '../plan/socket-table.js';
import type { SshConnection } from '../ssh/types.js';

const SS_SCRIPT = 'PATH="$PATH:/usr/sbin:/sbin"; exec ss -ltnH';
const PROC_SCRIPT = 'cat /proc/net/tcp /proc/net/tcp6 2>/dev/null';

export interface RemoteListeners {
  listeners: SocketListener[];
  /** How they were read, or undefined when neither worked (then nothing is known). */
  source: 'ss' | '/proc/net/tcp' | undefined;
}

export async function listRemoteListeners(conn: SshConnection): Promise<RemoteListeners> {
  const ss = await conn.execShell(SS_SCRIPT, { timeoutMs: 20_000 });
  if (ss.code === 0) return { listeners: parseSsListeners(ss.stdout), source: 'ss' };
  // No ss (minimal images), or one too old for -H: the kernel's own table says the same.
  const proc = await conn.execShell(PROC_SCRIPT, { timeoutMs: 20_000 });
  if (proc.stdout.trim() !== '') return { listeners: parseProcNetTcp(proc.stdout), source: '/proc/net/tcp' };
  return { listeners: [], source: undefined };
}
