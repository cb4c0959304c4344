// Every file path the tool writes or reads of its own lives here, below one state directory:
// TUNNEL_HOME when set (tests use it), else the platform's convention. Nothing else reads env for paths.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export interface TunnelPaths {
  home: string;
  sessionsDir: string;
  logsDir: string;
  settingsDir: string;
}

export function stateHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.TUNNEL_HOME) return path.resolve(env.TUNNEL_HOME);
  const home = env.HOME ?? os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'tunnel');
  const xdg = env.XDG_STATE_HOME ?? path.join(home, '.local', 'state');
  return path.join(xdg, 'tunnel');
}

export function tunnelPaths(env: NodeJS.ProcessEnv = process.env, platform = process.platform): TunnelPaths {
  const home = stateHome(env, platform);
  return {
    home,
    sessionsDir: path.join(home, 'sessions'),
    logsDir: path.join(home, 'logs'),
    settingsDir: path.join(home, 'settings'),
  };
}

/** The kubeconfig file we merge into: the first entry of KUBECONFIG, else ~/.kube/config (as kubectl does). */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((entry) => entry.length > 0);
  if (list[0]) return path.resolve(list[0]);
  return path.join(env.HOME ?? os.homedir(), '.kube', 'config');
}

/** The agent's log: JSON lines, rotated (agent.log.1, .2, … are older). `tunnel logs` reads these. */
export function agentLogFile(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(tunnelPaths(env, platform).logsDir, 'agent.log');
}

/**
 * Present after `tunnel agent stop`: the saved sessions then wait for `tunnel connect` or
 * `tunnel agent start` instead of coming back with the next `tunnel status`.
 */
export function agentStoppedMarker(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string {
  return path.join(stateHome(env, platform), 'agent.stopped');
}

/** The agent's single-instance lock file (one agent per state directory). */
export function agentLockPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(stateHome(env, platform), 'agent.lock');
}

// sun_path holds 104 bytes on macOS and 108 on Linux, NUL included; stay under both with some margin.
export const MAX_SOCKET_PATH_BYTES = 100;

/**
 * The agent's control socket: <state>/run/agent.sock, or, when that is too long for a Unix socket
 * (a deep TUNNEL_HOME, macOS's Application Support path under a long user name),
 * /tmp/tunnel-<uid>/<hash>.sock. The hash of the state directory keeps one socket per TUNNEL_HOME, so
 * test homes never share an agent.
 *
 * Never $TMPDIR: a launchd-started agent has none (node then says /tmp) while a Terminal's is the
 * per-user /var/folders/…/T/, so the two would compute different paths and never meet. /tmp is the
 * same for every process of the user, as tmux's /tmp/tmux-<uid> and OpenSSH's ControlPath advice; it is
 * shared, so the directory checks of control/socket-dir.ts (ours, 0700, not a symlink) make another
 * user's squatting a refusal, never a leak (docs/security.md). TUNNEL_SOCKET_TMP replaces /tmp for
 * tests that need a /tmp of their own (a squatter's directory, cleaned up with the test).
 */
export function controlSocketPath(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = stateHome(env, platform);
  const preferred = path.join(home, 'run', 'agent.sock');
  if (Buffer.byteLength(preferred) <= MAX_SOCKET_PATH_BYTES) return preferred;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const name = `${createHash('sha256').update(home).digest('hex').slice(0, 16)}.sock`;
  return path.join(env.TUNNEL_SOCKET_TMP || '/tmp', `tunnel-${uid}`, name);
}

/**
 * Where releases before this one put the fallback socket: under $TMPDIR, which a Terminal sets to the
 * per-user /var/folders/…/T/. An agent such a release started from a shell still listens there after an
 * upgrade; the CLI only looks it up (never listens there), with the same trust checks, so it finds that
 * agent and replaces it like any agent of another version instead of starting a second one beside it.
 * undefined when it would be today's path (the state path fits, or $TMPDIR is /tmp).
 */
export function legacyControlSocketPath(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | undefined {
  const current = controlSocketPath(env, platform);
  if (current === path.join(stateHome(env, platform), 'run', 'agent.sock')) return undefined;
  const dir = path.basename(path.dirname(current));
  const legacy = path.join(env.TMPDIR || os.tmpdir(), dir, path.basename(current));
  return Buffer.byteLength(legacy) <= MAX_SOCKET_PATH_BYTES && legacy !== current ? legacy : undefined;
}

/**
 * The private directory (0700) of `tunnel ui`'s redirect files: the page's URL carries its token, so the
 * browser is handed a file that only this user can read (ui-open-<pid>.html), never the URL in argv.
 */
export function uiRuntimeDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(stateHome(env, platform), 'ui');
}
