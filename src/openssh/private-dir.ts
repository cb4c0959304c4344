// The connection's private directory: the control socket `m`, the askpass relay `a` and its wrapper,
// the master's generated config `c` (ProxyJump targets),
// and one Unix socket per forward `f<n>`. mkdtemp makes it 0700, so only this user reaches the sockets.
// Its path must stay short: a Unix socket path is limited to 104 bytes on macOS (108 on Linux), and ssh
// binds the control socket first as `m.` + 16 random characters before it renames it (mux.c).
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TunnelError } from '../errors.js';

/** macOS's sun_path is 104 bytes with the terminating NUL. */
export const MAX_SOCKET_PATH = 103;
/** The longest name we put in the directory: ssh's temporary `m.XXXXXXXXXXXXXXXX`. */
const LONGEST_NAME = 'm.XXXXXXXXXXXXXXXX';

export interface PrivateDir {
  readonly path: string;
  readonly controlPath: string;
  readonly relayPath: string;
  readonly wrapperPath: string;
  /** The master's generated config (master-config.ts), when it has one. */
  readonly configPath: string;
  /** A fresh socket path for the next forward. */
  nextForwardPath(): string;
  remove(): Promise<void>;
}

/** Throws when `dir` is too long for the socket paths we put in it. */
export function checkSocketDir(dir: string): void {
  const longest = Buffer.byteLength(path.join(dir, LONGEST_NAME));
  if (longest <= MAX_SOCKET_PATH) return;
  throw new TunnelError(
    'SSH_CONNECT',
    `The temporary directory ${dir} is too long for a Unix socket path (${longest} bytes; at most ${MAX_SOCKET_PATH}).`,
    { hint: 'Point TMPDIR at a short directory, e.g. TMPDIR=/tmp, and retry.' },
  );
}

// Directories still in use, removed if this process exits first (the agent stopping mid-login): execa
// kills the ssh processes with us, and nothing would remove their directories.
const live = new Set<string>();
let hooked = false;

function removeAtExit(dir: string): void {
  live.add(dir);
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const each of live) rmSync(each, { recursive: true, force: true });
  });
}

export async function makePrivateDir(base = os.tmpdir()): Promise<PrivateDir> {
  // Check before creating: a path this long would only fail later, inside ssh.
  checkSocketDir(path.join(base, 'tun-XXXXXX'));
  const dir = await fs.mkdtemp(path.join(base, 'tun-'));
  await fs.chmod(dir, 0o700);
  removeAtExit(dir);
  let forwards = 0;
  return {
    path: dir,
    controlPath: path.join(dir, 'm'),
    relayPath: path.join(dir, 'a'),
    wrapperPath: path.join(dir, 'askpass'),
    configPath: path.join(dir, 'c'),
    nextForwardPath: () => path.join(dir, `f${++forwards}`),
    remove: async () => {
      await fs.rm(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}
